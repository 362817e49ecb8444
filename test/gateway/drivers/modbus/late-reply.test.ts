import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { ModbusBus, type BusConnection } from '../../../../gateway/drivers/modbus/bus.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import { SimulatedModbusRtu } from '../../../../simulators/modbus/rtu-server.js';
import { requireCommand } from '../../../support/commands.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';
import { virtualSerialLine } from '../../../support/devices/virtual-serial.js';

/**
 * One register, and a 1.5 s reply timeout (the profile's is 300 ms): every time below is five
 * times the profile's, so that a busy machine's pauses of a few hundred ms cannot swap the order
 * of a reply and a timeout that the test sets 500 ms apart.
 */
const NOISE: ModbusProfile = { ...(loadProfiles().get('generic/rs485-noise') as ModbusProfile), responseTimeout: 1_500 };
/** Registers hold tenths of a dB. */
const dba = (v: number | undefined) => (v === undefined ? v : Math.round(v * 10) / 10);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LINKS: Record<string, (sim: SimulatedModbusRtu) => Promise<BusConnection>> = {
  'behind a serial device server': async (sim) => ({ kind: 'rtu', tcp: { host: '127.0.0.1', port: await sim.startTcp() } }),
  'on a serial line': async (sim) => {
    const line = await virtualSerialLine();
    cleanups.push(() => line.close());
    await sim.start(line.deviceEnd, 4800);
    return { kind: 'rtu', path: line.gatewayEnd, baudRate: 4800, parity: 'none', dataBits: 8, stopBits: 1 };
  },
};

const hasSocat = requireCommand('socat');

/**
 * A slave that answers after its reply timeout: nobody waits for that reply any more, and it
 * must not answer a later request of the same unit (same function, same length, so nothing in
 * the frame tells them apart). modbus-serial's RTU ports keep such bytes and scan them for the
 * next reply; the bus empties them before each request and keeps the line quiet for one more
 * timeout after a timeout (gateway/drivers/modbus/bus.ts).
 */
for (const [link, connect] of Object.entries(LINKS)) {
  describe.runIf(hasSocat || !link.includes('serial line'))(`Modbus RTU ${link}: a late reply`, () => {
    async function twoSensors() {
      const sim = new SimulatedModbusRtu();
      cleanups.push(() => sim.stop());
      const levels = { 7: 60, 8: 40 };
      sim.addSlave(7, NOISE, () => ({ noise_dba: levels[7] }));
      sim.addSlave(8, NOISE, () => ({ noise_dba: levels[8] }));
      const bus = new ModbusBus('bus-1', await connect(sim), silentLogger());
      cleanups.push(() => bus.close());
      const { engine, readings } = recordingEngine();
      const poller = (unitId: 7 | 8) =>
        new ModbusPoller({ context: { deviceId: `noise-${unitId}`, householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId }, bus, engine, systemClock, silentLogger());
      return { sim, levels, readings, seven: poller(7), eight: poller(8) };
    }

    test('that arrived between two requests is not taken as the answer to the next one', async () => {
      const { sim, levels, readings, seven, eight } = await twoSensors();
      sim.setFault(7, { slow: 3_500 }); // later than the quiet time after the timeout, too
      await seven.pollOnce(); // times out at 1.5 s
      await eight.pollOnce(); // sent at 3 s, answered at once
      await new Promise((r) => setTimeout(r, 1_000)); // unit 7's reply (60 dB) came at 3.5 s
      expect(seven.health().counters).toMatchObject({ polls: 1, readings: 0, timeout: 1 });

      sim.setFault(7, 'none');
      levels[7] = 55.4;
      await seven.pollOnce();
      expect(readings.filter((r) => r.deviceId === 'noise-7').map((r) => dba(r.metrics.noise_dba))).toEqual([55.4]);
      expect(readings.filter((r) => r.deviceId === 'noise-8').map((r) => dba(r.metrics.noise_dba))).toEqual([40]);
    });

    test('that would arrive while the next request waits is let in before it is sent, and not taken either', async () => {
      const { sim, levels, readings, seven } = await twoSensors();
      sim.setFault(7, { slow: 2_250 });
      await seven.pollOnce(); // times out at 1.5 s; its reply comes at 2.25 s
      sim.setFault(7, { slow: 1_000 }); // sent at once, this request would still wait at 2.25 s
      levels[7] = 55.4;
      await seven.pollOnce();
      expect(readings.map((r) => dba(r.metrics.noise_dba))).toEqual([55.4]);
      expect(seven.health().counters).toMatchObject({ polls: 2, readings: 1, timeout: 1 });
    });
  });
}
