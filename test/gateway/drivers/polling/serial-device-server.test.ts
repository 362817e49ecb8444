import { afterEach, describe, expect, test } from 'vitest';
import { systemClock, VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { Dlt645Profile, ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { gatewayConfigSchema, type GatewayConfigInput } from '../../../../gateway/config.js';
import { Dlt645Line } from '../../../../gateway/drivers/dlt645/line.js';
import { Dlt645Poller } from '../../../../gateway/drivers/dlt645/poller.js';
import { ModbusBus } from '../../../../gateway/drivers/modbus/bus.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import { startGateway } from '../../../../gateway/main.js';
import { SimulatedDlt645Meters } from '../../../../simulators/dlt645/meters.js';
import { SimulatedModbusRtu } from '../../../../simulators/modbus/rtu-server.js';
import { freePort } from '../../../support/free-port.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';
import { tempDir } from '../../../support/temp-dir.js';

const profiles = loadProfiles();
const SDM120 = profiles.get('eastron/sdm120') as ModbusProfile;
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;
const METER = profiles.get('generic/dlt645-single-phase') as Dlt645Profile;
const SDM_VALUES = { voltage_v: 228.3, current_a: 0.8, power_w: 180.5, power_factor: 0.95, frequency_hz: 50.01, energy_kwh: 567.8 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const base = { gatewayId: 'gw-1', mqtt: { host: '127.0.0.1', port: 0 }, cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' } };

async function gatewayWith(config: Partial<GatewayConfigInput>, at: string) {
  const clock = new VirtualClock(Date.parse(at));
  const gateway = await startGateway(gatewayConfigSchema.parse({ ...base, dataDir: tempDir(), ...config }), { clock, logger: silentLogger() });
  cleanups.push(() => gateway.close());
  return { clock, gateway };
}

describe('RS-485 lines behind a serial device server (串口服务器), no serial port on the gateway', () => {
  test('the gateway reads Modbus RTU over TCP from its config; a silent meter is counted and read again the next minute', async () => {
    const sim = new SimulatedModbusRtu();
    sim.addSlave(1, SDM120, () => SDM_VALUES);
    sim.addSlave(7, NOISE, () => ({ noise_dba: 66.6 }));
    const port = await sim.startTcp();
    cleanups.push(() => sim.stop());
    const { clock, gateway } = await gatewayWith(
      {
        modbus: {
          buses: [
            {
              id: 'usr-1',
              rtuOverTcp: { host: '127.0.0.1', port },
              devices: [
                { id: 'em-1', householdId: 'hh-1', profile: 'eastron/sdm120', unitId: 1 },
                { id: 'noise-7', householdId: 'site-1', profile: 'generic/rs485-noise', unitId: 7 },
              ],
            },
          ],
        },
      },
      '2026-11-23T10:00:00+08:00',
    );
    await clock.advance(1);
    const meter = () => gateway.status().polled.find((p) => p.deviceId === 'em-1')!;
    expect(meter()).toMatchObject({ online: true, counters: { readings: 1, timeout: 0 } });

    sim.setFault(1, 'silent');
    await clock.advance(60_000);
    expect(meter().counters).toMatchObject({ polls: 2, readings: 1, timeout: 1 });
    expect(meter().lastFault).toMatch(/^timeout/);
    expect(gateway.status().polled.find((p) => p.deviceId === 'noise-7')!.counters).toMatchObject({ readings: 61, timeout: 0 });

    sim.setFault(1, 'none');
    await clock.advance(60_000);
    expect(meter()).toMatchObject({ online: true, counters: { polls: 3, readings: 2, timeout: 1 } });
  });

  test('the gateway reads DL/T 645 meters over TCP from its config', async () => {
    const meters = new SimulatedDlt645Meters();
    meters.add('000012345678', METER, () => ({ energy_kwh: 100.25, voltage_v: 230.1, current_a: 1.5 }));
    const port = await meters.startTcp();
    cleanups.push(() => meters.stop());
    const { clock, gateway } = await gatewayWith(
      { dlt645: { lines: [{ id: 'usr-2', tcp: { host: '127.0.0.1', port }, devices: [{ id: 'em-1', householdId: 'hh-1', profile: 'generic/dlt645-single-phase', address: '000012345678' }] }] } },
      '2026-11-23T00:00:00+08:00',
    );
    await clock.advance(1);
    expect(gateway.status().polled[0]).toMatchObject({ deviceId: 'em-1', online: true, counters: { readings: 1, disconnected: 0 } });
  });

  test('a DL/T 645 line connects again by itself after the device server drops it, or comes back after being down', async () => {
    const meters = new SimulatedDlt645Meters();
    meters.add('000012345678', METER, () => ({ energy_kwh: 100.25, voltage_v: 230.1, current_a: 1.5 }));
    const port = await meters.startTcp();
    cleanups.push(() => meters.stop());
    const line = new Dlt645Line('usr-2', { tcp: { host: '127.0.0.1', port } }, silentLogger());
    cleanups.push(() => line.close());
    const { engine, readings } = recordingEngine();
    const poller = new Dlt645Poller({ context: { deviceId: 'em-1', householdId: 'hh-1', heartbeatMs: 900_000 }, profile: METER, address: '000012345678' }, line, engine, systemClock, silentLogger());
    await poller.pollOnce();
    expect(readings).toHaveLength(1);

    meters.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    await poller.pollOnce();
    expect(readings).toHaveLength(2);

    await meters.stop();
    await poller.pollOnce();
    expect(poller.health().counters).toMatchObject({ polls: 3, readings: 2, disconnected: 1 });
    expect(poller.health().lastFault).toMatch(/^disconnected: /);

    await meters.startTcp(port);
    await poller.pollOnce();
    expect(readings).toHaveLength(3);
    expect(poller.health().counters).toMatchObject({ polls: 4, readings: 3, disconnected: 1, timeout: 0 });
  });

  test('a meter that drops the connection while it is asked counts as disconnected, not as a timeout', async () => {
    const meters = new SimulatedDlt645Meters();
    meters.add('000012345678', METER, () => ({ energy_kwh: 100.25, voltage_v: 230.1, current_a: 1.5 }));
    meters.setFault('000012345678', 'silent');
    const port = await meters.startTcp();
    cleanups.push(() => meters.stop());
    const line = new Dlt645Line('usr-2', { tcp: { host: '127.0.0.1', port } }, silentLogger());
    cleanups.push(() => line.close());
    const reading = line.read('000012345678', '00010000', 5_000);
    setTimeout(() => meters.dropConnections(), 100);
    await expect(reading).rejects.toMatchObject({ fault: 'disconnected' });
    meters.setFault('000012345678', 'none');
    expect((await line.read('000012345678', '00010000', 1_000)).length).toBeGreaterThan(0);
  });

  test('a Modbus RTU line behind a device server connects again after being dropped, or after the server was down', async () => {
    const sim = new SimulatedModbusRtu();
    sim.addSlave(7, NOISE, () => ({ noise_dba: 66.6 }));
    const port = await sim.startTcp();
    cleanups.push(() => sim.stop());
    const bus = new ModbusBus('usr-1', { kind: 'rtu', tcp: { host: '127.0.0.1', port } }, silentLogger());
    cleanups.push(() => bus.close());
    const { engine, readings } = recordingEngine();
    const poller = new ModbusPoller({ context: { deviceId: 'noise-7', householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: 7 }, bus, engine, systemClock, silentLogger());
    await poller.pollOnce();

    sim.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    await poller.pollOnce();
    expect(readings).toHaveLength(2);

    await sim.stop();
    await poller.pollOnce();
    expect(poller.health()).toMatchObject({ counters: { readings: 2, disconnected: 1 } });
    await sim.startTcp(port);
    await poller.pollOnce();
    expect(readings).toHaveLength(3);
    expect(readings[2]!.metrics.noise_dba).toBeCloseTo(66.6, 5);
  });
});

describe('the config of a line behind a serial device server', () => {
  const issues = (config: Partial<GatewayConfigInput>) => {
    const r = gatewayConfigSchema.safeParse({ ...base, ...config });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  const modbusDevice = { id: 'em-1', householdId: 'hh-1', profile: 'eastron/sdm120' };
  const meter = { id: 'em-2', householdId: 'hh-1', profile: 'generic/dlt645-single-phase', address: '000012345678' };

  test('a Modbus bus has exactly one of tcp, rtu or rtuOverTcp', () => {
    expect(issues({ modbus: { buses: [{ id: 'b', rtuOverTcp: { host: '10.0.0.7', port: 8234 }, devices: [modbusDevice] }] } })).toEqual([]);
    expect(issues({ modbus: { buses: [{ id: 'b', tcp: { host: '10.0.0.7' }, rtuOverTcp: { host: '10.0.0.7', port: 8234 }, devices: [modbusDevice] }] } })).toEqual([
      'modbus.buses.0.rtuOverTcp: give only one of tcp, rtu or rtuOverTcp (tcp is given)',
    ]);
    expect(issues({ modbus: { buses: [{ id: 'b', devices: [modbusDevice] }] } })).toEqual(['modbus.buses.0.tcp: give one of tcp, rtu or rtuOverTcp']);
    expect(issues({ modbus: { buses: [{ id: 'b', rtuOverTcp: { host: '10.0.0.7' }, devices: [modbusDevice] }] } } as never)).toEqual([
      expect.stringMatching(/^modbus\.buses\.0\.rtuOverTcp\.port: /),
    ]);
  });

  test('a DL/T 645 line has a path or a tcp device server, and no serial settings with tcp', () => {
    expect(issues({ dlt645: { lines: [{ id: 'l', tcp: { host: '10.0.0.8', port: 8234 }, devices: [meter] }] } })).toEqual([]);
    expect(issues({ dlt645: { lines: [{ id: 'l', path: '/dev/ttyUSB0', tcp: { host: '10.0.0.8', port: 8234 }, devices: [meter] }] } })).toEqual([
      'dlt645.lines.0.tcp: give either path (a serial port) or tcp (a serial device server)',
    ]);
    expect(issues({ dlt645: { lines: [{ id: 'l', devices: [meter] }] } })).toEqual(['dlt645.lines.0.path: give either path (a serial port) or tcp (a serial device server)']);
    expect(issues({ dlt645: { lines: [{ id: 'l', tcp: { host: '10.0.0.8', port: 8234 }, baudRate: 2400, devices: [meter] }] } })).toEqual([
      'dlt645.lines.0.baudRate: a line behind a serial device server takes its serial settings from the box: set them there',
    ]);
  });

  test('a line with no gateway to answer counts its polls as disconnected, at a port where nothing listens', async () => {
    const port = await freePort();
    const { clock, gateway } = await gatewayWith(
      { dlt645: { lines: [{ id: 'usr-2', tcp: { host: '127.0.0.1', port }, devices: [meter] }] } },
      '2026-11-23T00:00:00+08:00',
    );
    await clock.advance(1);
    expect(gateway.status().polled[0]).toMatchObject({ deviceId: 'em-2', online: false, counters: { polls: 1, disconnected: 1 } });
  });
});
