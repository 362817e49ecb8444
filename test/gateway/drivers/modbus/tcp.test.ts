import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { ModbusBus } from '../../../../gateway/drivers/modbus/bus.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import { SimulatedModbusTcp } from '../../../../simulators/modbus/tcp-server.js';
import { freePort } from '../../../support/free-port.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';

const profiles = loadProfiles();
const SDM120 = profiles.get('eastron/sdm120') as ModbusProfile;
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tcpSlaves(): Promise<SimulatedModbusTcp> {
  const sim = new SimulatedModbusTcp();
  await sim.start(await freePort());
  cleanups.push(() => sim.stop());
  return sim;
}

function bus(port: number): ModbusBus {
  const b = new ModbusBus('bus-1', { kind: 'tcp', host: '127.0.0.1', port }, silentLogger());
  cleanups.push(() => b.close());
  return b;
}

describe('Modbus TCP polling', () => {
  test('an SDM120 is read with its register map: float32 values, neighbouring registers merged', async () => {
    const sim = await tcpSlaves();
    sim.addSlave(1, SDM120, () => ({ voltage_v: 229.7, current_a: 1.25, power_w: 287.1, power_factor: 0.99, frequency_hz: 49.98, energy_kwh: 3456.78 }));
    const { engine, readings } = recordingEngine();
    const poller = new ModbusPoller(
      { context: { deviceId: 'em-101', householdId: 'hh-101', heartbeatMs: 60_000 }, profile: SDM120, unitId: 1 },
      bus(sim.port),
      engine,
      systemClock,
      silentLogger(),
    );
    await poller.pollOnce();
    expect(readings).toHaveLength(1);
    const m = readings[0]!.metrics;
    expect(m.voltage_v).toBeCloseTo(229.7, 3);
    expect(m.energy_kwh).toBeCloseTo(3456.78, 2);
    expect(m.frequency_hz).toBeCloseTo(49.98, 3);
    // Registers 0..13, 30..31, 70..71 and 342..343: four requests, not six.
    expect(poller.health()).toMatchObject({ online: true, counters: { polls: 1, readings: 1, timeout: 0 } });
  });

  test('a silent slave on a bus of 10 costs the other 9 one reply timeout per cycle (asked once, not again), and is read again once it answers', async () => {
    const sim = await tcpSlaves();
    const line = bus(sim.port);
    const { engine, readings } = recordingEngine();
    const pollers = Array.from({ length: 10 }, (_, i) => {
      sim.addSlave(i + 1, NOISE, () => ({ noise_dba: 50 + i }));
      return new ModbusPoller({ context: { deviceId: `noise-${i + 1}`, householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: i + 1 }, line, engine, systemClock, silentLogger());
    });
    const cycle = () => Promise.all(pollers.map((p) => p.pollOnce()));
    await cycle();

    sim.setFault(5, 'silent');
    readings.length = 0;
    await cycle();
    expect(readings.map((r) => r.deviceId).sort()).toEqual(pollers.map((p) => p.device.context.deviceId).filter((id) => id !== 'noise-5').sort());
    // One attempt, one timeout: the silent slave cost the bus its reply timeout once this cycle
    // (a retry would be a second). Counted, not timed, so a busy machine cannot fail it.
    expect(pollers[4]!.health()).toMatchObject({ counters: { polls: 2, timeout: 1 } });

    sim.setFault(5, 'none');
    readings.length = 0;
    await cycle();
    expect(readings).toHaveLength(10);
    expect(readings.find((r) => r.deviceId === 'noise-5')!.metrics.noise_dba).toBeCloseTo(54, 5);
  });

  test('an exception reply is counted as such, not retried, and the device stays pollable', async () => {
    const sim = await tcpSlaves();
    sim.addSlave(1, NOISE, () => ({ noise_dba: 61.5 }));
    sim.setFault(1, { exception: 2 });
    const { engine, readings } = recordingEngine();
    const poller = new ModbusPoller({ context: { deviceId: 'noise-1', householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: 1 }, bus(sim.port), engine, systemClock, silentLogger());
    await poller.pollOnce();
    expect(poller.health().counters).toMatchObject({ exception: 1, readings: 0 });
    expect(poller.health().lastFault).toMatch(/exception/);
    sim.setFault(1, 'none');
    await poller.pollOnce();
    expect(readings.map((r) => r.metrics.noise_dba)).toEqual([61.5]);
  });

  test('a bus whose TCP gateway is down counts the poll as disconnected and connects when it is back', async () => {
    const port = await freePort();
    const { engine, readings } = recordingEngine();
    const poller = new ModbusPoller({ context: { deviceId: 'noise-1', householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: 1 }, bus(port), engine, systemClock, silentLogger());
    await poller.pollOnce();
    expect(poller.health().counters.disconnected).toBe(1);
    const sim = new SimulatedModbusTcp();
    sim.addSlave(1, NOISE, () => ({ noise_dba: 45 }));
    await sim.start(port);
    cleanups.push(() => sim.stop());
    await poller.pollOnce();
    expect(readings).toHaveLength(1);
  });

  /**
   * modbus-serial's TcpPort marks itself closed on a socket error and then emits no 'close': a
   * connection reset (a device that reboots, a NAT that forgets the flow) must still end the
   * request under way at once, not at its reply timeout, and count as disconnected.
   */
  test('a connection reset while a request waits fails it at once, as disconnected; the next request connects again', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('data', () => setTimeout(() => s.resetAndDestroy(), 50)); // the request arrives; the device resets
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }));
    const line = bus((server.address() as { port: number }).port);

    // A request that waited for its reply timeout would fail as 'timeout': 'disconnected' is the reset ending it.
    for (const attempt of [1, 2]) {
      const fault = await line.read(1, 'input', 0, 2, 30_000).then(
        () => 'answered',
        (e: { fault: string }) => e.fault,
      );
      expect({ attempt, fault }).toEqual({ attempt, fault: 'disconnected' });
    }
    expect(sockets.size).toBe(2);
  });
});
