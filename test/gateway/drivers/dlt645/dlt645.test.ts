import { afterEach, describe, expect, test } from 'vitest';
import { systemClock, VirtualClock } from '../../../../lib/time/clock.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway } from '../../../../gateway/main.js';
import { tempDir } from '../../../support/temp-dir.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { Dlt645Profile } from '../../../../firmware-profiles/schema.js';
import { Dlt645Line } from '../../../../gateway/drivers/dlt645/line.js';
import { Dlt645Poller } from '../../../../gateway/drivers/dlt645/poller.js';
import { SimulatedDlt645Meters } from '../../../../simulators/dlt645/meters.js';
import { requireCommand } from '../../../support/commands.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';
import { virtualSerialLine } from '../../../support/devices/virtual-serial.js';

const METER = loadProfiles().get('generic/dlt645-single-phase') as Dlt645Profile;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.runIf(requireCommand('socat'))('DL/T 645-2007 meters on a serial line', () => {
  test('two meters on one line are read by address; a silent one times out without holding up the other', async () => {
    const line = await virtualSerialLine();
    cleanups.push(() => line.close());
    const meters = new SimulatedDlt645Meters();
    meters.add('000012345678', METER, () => ({ energy_kwh: 2468.13, voltage_v: 221.6, current_a: 3.125 }));
    meters.add('000012345679', METER, () => ({ energy_kwh: 17.5, voltage_v: 229.9, current_a: 0.04 }));
    await meters.start(line.deviceEnd, 2400);
    cleanups.push(() => meters.stop());

    const bus = new Dlt645Line('meters-1', { path: line.gatewayEnd, baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 }, silentLogger());
    cleanups.push(() => bus.close());
    const { engine, readings } = recordingEngine();
    const poller = (address: string, id: string) =>
      new Dlt645Poller({ context: { deviceId: id, householdId: `hh-${id}`, heartbeatMs: 900_000 }, profile: METER, address }, bus, engine, systemClock, silentLogger());
    const [a, b] = [poller('000012345678', 'em-a'), poller('000012345679', 'em-b')];

    await Promise.all([a.pollOnce(), b.pollOnce()]);
    expect(readings.find((r) => r.deviceId === 'em-a')!.metrics).toEqual({ energy_kwh: 2468.13, voltage_v: 221.6, current_a: 3.125 });
    expect(readings.find((r) => r.deviceId === 'em-b')!.metrics).toEqual({ energy_kwh: 17.5, voltage_v: 229.9, current_a: 0.04 });

    meters.setFault('000012345678', 'silent');
    readings.length = 0;
    await Promise.all([a.pollOnce(), b.pollOnce()]);
    expect(readings.map((r) => r.deviceId)).toEqual(['em-b']);
    expect(a.health()).toMatchObject({ counters: { timeout: 1 } });
  });

  test('the gateway reads a meter on a DL/T 645 line from its config; a wrong profile is named', async () => {
    const line = await virtualSerialLine();
    cleanups.push(() => line.close());
    const meters = new SimulatedDlt645Meters();
    meters.add('000012345678', METER, () => ({ energy_kwh: 100.25, voltage_v: 230.1, current_a: 1.5 }));
    await meters.start(line.deviceEnd, 2400);
    cleanups.push(() => meters.stop());
    const base = { gatewayId: 'gw-1', mqtt: { host: '127.0.0.1', port: 0 }, cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' } };
    const clock = new VirtualClock(Date.parse('2026-11-23T00:00:00+08:00'));
    const gateway = await startGateway(
      gatewayConfigSchema.parse({
        ...base,
        dataDir: tempDir(),
        dlt645: { lines: [{ id: 'meters-1', path: line.gatewayEnd, devices: [{ id: 'em-1', householdId: 'hh-1', profile: 'generic/dlt645-single-phase', address: '000012345678' }] }] },
      }),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => gateway.close());
    await clock.advance(1); // the first poll runs at start, and is awaited

    expect(gateway.status().polled[0]).toMatchObject({ deviceId: 'em-1', online: true, counters: { readings: 1 } });

    const wrong = gatewayConfigSchema.parse({
      ...base,
      dataDir: tempDir(),
      dlt645: { lines: [{ id: 'l', path: '/dev/null', devices: [{ id: 'x', householdId: 'h', profile: 'eastron/sdm120', address: '000000000001' }] }] },
    });
    await expect(startGateway(wrong, { clock: new VirtualClock(0), logger: silentLogger() })).rejects.toThrow(/dlt645\.lines\[0\]\.devices\[0\]\.profile: eastron\/sdm120 is not a DL\/T 645 meter/);
  });
});
