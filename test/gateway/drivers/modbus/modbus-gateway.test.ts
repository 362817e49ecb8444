import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway } from '../../../../gateway/main.js';
import { SimulatedModbusTcp } from '../../../../simulators/modbus/tcp-server.js';
import { freePort } from '../../../support/free-port.js';
import { tempDir } from '../../../support/temp-dir.js';

const profiles = loadProfiles();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the gateway with a Modbus TCP line', () => {
  test('construction noise read over Modbus at 23:00 becomes the night-noise alert at 23:05', async () => {
    const sim = new SimulatedModbusTcp();
    sim.addSlave(1, profiles.get('generic/rs485-noise') as ModbusProfile, () => ({ noise_dba: 62 }));
    sim.addSlave(2, profiles.get('eastron/sdm120') as ModbusProfile, () => ({ voltage_v: 230, current_a: 1, power_w: 230, power_factor: 1, frequency_hz: 50, energy_kwh: 100 }));
    await sim.start(await freePort());
    cleanups.push(() => sim.stop());

    const clock = new VirtualClock(Date.parse('2026-11-23T23:00:00+08:00'));
    const gateway = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-site',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0 },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        modbus: {
          buses: [
            {
              id: 'site-bus',
              tcp: { host: '127.0.0.1', port: sim.port },
              devices: [
                { id: 'noise-9', householdId: 'site-9', profile: 'generic/rs485-noise', unitId: 1 },
                { id: 'em-9', householdId: 'site-9', profile: 'eastron/sdm120', unitId: 2 },
              ],
            },
          ],
        },
      }),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => gateway.close());

    await clock.advance(6 * 60_000);
    const alerts = gateway.outbox.peek(10).map((e) => e.alert);
    expect(alerts.map((a) => [a.rule, a.grade, a.deviceId, a.at])).toEqual([['night-noise', 'P3', 'noise-9', new Date('2026-11-23T23:05:00+08:00').toISOString()]]);
    const health = gateway.status().polled;
    expect(health.map((h) => [h.deviceId, h.online])).toEqual([
      ['noise-9', true],
      ['em-9', true],
    ]);
    expect(health[0]!.counters.readings).toBeGreaterThanOrEqual(360);
    expect(health[1]!.counters.readings).toBe(7); // once a minute, from the start
  });

  test('a Modbus device with an MQTT profile, or two on one unit, is named in the config', async () => {
    const base = {
      gatewayId: 'gw-1',
      dataDir: tempDir(),
      cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' },
    };
    const bad = gatewayConfigSchema.parse({
      ...base,
      modbus: { buses: [{ id: 'b', tcp: { host: '127.0.0.1' }, devices: [{ id: 'x', householdId: 'h', profile: 'aqara/mccgq11lm' }] }] },
    });
    await expect(startGateway(bad, { clock: new VirtualClock(0), logger: silentLogger() })).rejects.toThrow(/modbus\.buses\[0\]\.devices\[0\]\.profile: aqara\/mccgq11lm is not a Modbus device/);
    const twice = gatewayConfigSchema.safeParse({
      ...base,
      modbus: {
        buses: [
          {
            id: 'b',
            tcp: { host: '127.0.0.1' },
            devices: [
              { id: 'x', householdId: 'h', profile: 'eastron/sdm120', unitId: 3 },
              { id: 'y', householdId: 'h', profile: 'eastron/sdm120', unitId: 3 },
            ],
          },
        ],
      },
    });
    expect(twice.success ? [] : twice.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['modbus.buses.0.devices.1.unitId: unit 3 is already devices[0] on this bus']);
  });
});
