/**
 * A polled device that refuses one block of registers, or one data identifier, keeps the values
 * it did give (issue 12, item 6); the reply timeout is set per device or per line in gateway.yaml.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { Dlt645Profile, ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { Dlt645Line } from '../../../../gateway/drivers/dlt645/line.js';
import { dlt645FromConfig } from '../../../../gateway/drivers/dlt645/devices.js';
import { Dlt645Poller } from '../../../../gateway/drivers/dlt645/poller.js';
import { ModbusBus } from '../../../../gateway/drivers/modbus/bus.js';
import { modbusFromConfig } from '../../../../gateway/drivers/modbus/devices.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import { SimulatedDlt645Meters } from '../../../../simulators/dlt645/meters.js';
import { SimulatedModbusTcp } from '../../../../simulators/modbus/tcp-server.js';
import { freePort } from '../../../support/free-port.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';

const profiles = loadProfiles();
const SDM120 = profiles.get('eastron/sdm120') as ModbusProfile;
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;
const METER = profiles.get('generic/dlt645-single-phase') as Dlt645Profile;
const GOOD = { voltage_v: 229.7, current_a: 1.25, power_w: 287.1, power_factor: 0.99, frequency_hz: 49.98, energy_kwh: 3456.78 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function modbusTcp(): Promise<{ sim: SimulatedModbusTcp; bus: ModbusBus }> {
  const sim = new SimulatedModbusTcp();
  await sim.start(await freePort());
  cleanups.push(() => sim.stop());
  const bus = new ModbusBus('bus-1', { kind: 'tcp', host: '127.0.0.1', port: sim.port }, silentLogger());
  cleanups.push(() => bus.close());
  return { sim, bus };
}

describe('a Modbus device that refuses one block of registers', () => {
  test('keeps the values of the other blocks; the refused point is counted, shown in health, and read again when it answers', async () => {
    const { sim, bus } = await modbusTcp();
    // A meter variant without the total-energy register (30343): exception 02, illegal data address.
    sim.addSlave(1, SDM120, () => GOOD);
    sim.setFault(1, { exception: 2, register: 0x0156 });
    const { engine, readings } = recordingEngine();
    const poller = new ModbusPoller({ context: { deviceId: 'em-101', householdId: 'hh-101', heartbeatMs: 60_000 }, profile: SDM120, unitId: 1 }, bus, engine, systemClock, silentLogger());

    await poller.pollOnce();
    expect(readings).toHaveLength(1);
    const [reading] = readings;
    expect(Object.keys(reading!.metrics).sort()).toEqual(['current_a', 'frequency_hz', 'power_factor', 'power_w', 'voltage_v']);
    expect(reading!.metrics.voltage_v).toBeCloseTo(229.7, 3);
    expect(Object.keys(reading!.unreadable ?? {})).toEqual(['energy_kwh']);
    expect(reading!.unreadable!.energy_kwh).toMatch(/energy_kwh: input 342\+2: .*exception/i);
    const health = poller.health();
    expect(health).toMatchObject({ online: true, counters: { polls: 1, readings: 1, partial: 1, exception: 1, malformed: 0 } });
    expect(Object.keys(health.unreadable)).toEqual(['energy_kwh']);

    sim.setFault(1, 'none');
    await poller.pollOnce();
    expect(readings[1]!.metrics.energy_kwh).toBeCloseTo(3456.78, 2);
    expect(readings[1]!.unreadable).toBeUndefined();
    expect(poller.health()).toMatchObject({ online: true, unreadable: {}, counters: { polls: 2, readings: 2, partial: 1 } });
  });

  test('a device that refuses every block gives no reading: the poll fails with the first reason', async () => {
    const { sim, bus } = await modbusTcp();
    sim.addSlave(1, SDM120, () => GOOD);
    sim.setFault(1, { exception: 2 });
    const { engine, readings } = recordingEngine();
    const poller = new ModbusPoller({ context: { deviceId: 'em-101', householdId: 'hh-101', heartbeatMs: 60_000 }, profile: SDM120, unitId: 1 }, bus, engine, systemClock, silentLogger());
    await poller.pollOnce();
    expect(readings).toEqual([]);
    expect(poller.health()).toMatchObject({ counters: { polls: 1, readings: 0, exception: 3 } });
    expect(poller.health().lastFault).toMatch(/^exception: input 0\+32: /);
  });

  test('a slave that goes silent mid-poll costs the bus one timeout, not one per block', async () => {
    const { sim, bus } = await modbusTcp();
    sim.addSlave(1, SDM120, () => GOOD);
    sim.setFault(1, 'silent');
    const { engine } = recordingEngine();
    const poller = new ModbusPoller(
      { context: { deviceId: 'em-101', householdId: 'hh-101', heartbeatMs: 60_000 }, profile: SDM120, unitId: 1, responseTimeoutMs: 100 },
      bus,
      engine,
      systemClock,
      silentLogger(),
    );
    await poller.pollOnce();
    expect(poller.health().counters).toMatchObject({ timeout: 1, exception: 0 });
  });
});

describe('a DL/T 645 meter that answers one data identifier with an error', () => {
  test('keeps the other values, and names the identifier it refused', async () => {
    const meters = new SimulatedDlt645Meters();
    // No current: the meter answers that identifier with error 02, "no requested data".
    meters.add('000012345678', METER, () => ({ energy_kwh: 2468.13, voltage_v: 221.6 }));
    const port = await freePort();
    await meters.startTcp(port);
    cleanups.push(() => meters.stop());
    const line = new Dlt645Line('meters-1', { tcp: { host: '127.0.0.1', port } }, silentLogger());
    cleanups.push(() => line.close());
    const { engine, readings } = recordingEngine();
    const poller = new Dlt645Poller({ context: { deviceId: 'em-a', householdId: 'hh-a', heartbeatMs: 900_000 }, profile: METER, address: '000012345678' }, line, engine, systemClock, silentLogger());
    await poller.pollOnce();
    expect(readings).toHaveLength(1);
    expect(readings[0]!.metrics).toEqual({ energy_kwh: 2468.13, voltage_v: 221.6 });
    expect(Object.keys(readings[0]!.unreadable ?? {})).toEqual(['current_a']);
    expect(readings[0]!.unreadable!.current_a).toMatch(/^current_a: DI 02020100: .*error 02 \(no such data\)/);
    expect(poller.health()).toMatchObject({ online: true, counters: { partial: 1, malformed: 0 } });
  });
});

describe('the reply timeout in gateway.yaml', () => {
  const base = { gatewayId: 'gw-1', mqtt: { host: '127.0.0.1', port: 0 }, cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' } };

  test('a device sets its own, a bus sets one for the others, the profile is the default', () => {
    const config = gatewayConfigSchema.parse({
      ...base,
      modbus: {
        buses: [
          {
            id: 'site-bus',
            tcp: { host: '127.0.0.1', port: 1502 },
            responseTimeout: '800ms',
            devices: [
              { id: 'noise-1', householdId: 'site-1', profile: 'generic/rs485-noise', unitId: 1, responseTimeout: '1.5s' },
              { id: 'noise-2', householdId: 'site-1', profile: 'generic/rs485-noise', unitId: 2 },
            ],
          },
          { id: 'home-bus', tcp: { host: '127.0.0.1', port: 1503 }, devices: [{ id: 'em-1', householdId: 'hh-1', profile: 'eastron/sdm120' }] },
        ],
      },
      dlt645: { lines: [{ id: 'meters', tcp: { host: '127.0.0.1', port: 1504 }, responseTimeout: '2s', devices: [{ id: 'em-2', householdId: 'hh-2', profile: 'generic/dlt645-single-phase', address: '000012345678' }] }] },
    });
    const buses = modbusFromConfig(config.modbus.buses, profiles, silentLogger());
    expect(buses.flatMap((b) => b.devices.map((d) => [d.context.deviceId, d.responseTimeoutMs]))).toEqual([
      ['noise-1', 1_500],
      ['noise-2', 800],
      ['em-1', SDM120.responseTimeout],
    ]);
    expect(dlt645FromConfig(config.dlt645.lines, profiles, silentLogger())[0]!.devices[0]!.responseTimeoutMs).toBe(2_000);
  });

  test('a timeout that would stall the line, or none at all, is refused with its place', () => {
    const bus = (responseTimeout: string) => ({ ...base, modbus: { buses: [{ id: 'b', tcp: { host: 'h' }, devices: [{ id: 'n', householdId: 'h', profile: 'generic/rs485-noise', responseTimeout }] }] } });
    const tooLong = gatewayConfigSchema.safeParse(bus('5m'));
    expect(tooLong.success).toBe(false);
    expect(tooLong.error?.issues[0]).toMatchObject({ path: ['modbus', 'buses', 0, 'devices', 0, 'responseTimeout'], message: expect.stringContaining('between 20ms and 30s') });
    expect(gatewayConfigSchema.safeParse(bus('0s')).success).toBe(false);
  });

  test('a slow sensor answering in 500 ms is read with its own timeout, and times out with the profile default', async () => {
    const { sim, bus } = await modbusTcp();
    sim.addSlave(1, NOISE, () => ({ noise_dba: 61.2 }));
    sim.setFault(1, { slow: 500 });
    const { engine, readings } = recordingEngine();
    const context = { deviceId: 'noise-1', householdId: 'site-1', heartbeatMs: 1_000 };
    const byProfile = new ModbusPoller({ context, profile: NOISE, unitId: 1 }, bus, engine, systemClock, silentLogger());
    await byProfile.pollOnce();
    expect(byProfile.health().counters).toMatchObject({ timeout: 1, readings: 0 });
    // The late reply to the dropped request must not be taken for the next one's.
    const byConfig = new ModbusPoller({ context, profile: NOISE, unitId: 1, responseTimeoutMs: 3_000 }, bus, engine, systemClock, silentLogger());
    await byConfig.pollOnce();
    expect(readings.map((r) => r.metrics.noise_dba)).toEqual([61.2]);
  });
});
