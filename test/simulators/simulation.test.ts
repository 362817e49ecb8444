import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { hashToken } from '../../lib/tokens.js';
import { InputError } from '../../lib/validation.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { simulateConfigSchema, type SimulateConfigInput } from '../../simulators/fleet/config.js';
import { startSimulation } from '../../simulators/fleet/simulation.js';
import { requireCommand } from '../support/commands.js';
import { freePort } from '../support/free-port.js';
import { T0 } from '../support/rules/rule-harness.js';
import { tempDir } from '../support/temp-dir.js';
import { virtualSerialLine } from '../support/devices/virtual-serial.js';

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('gridwatch simulate: every device kind on its real protocol, read by the gateway', () => {
  test('MQTT, Modbus TCP, Modbus RTU (serial and serial device server), DL/T 645 (both) and the watch protocol', async () => {
    requireCommand('socat');
    const clock = new VirtualClock(T0);
    const noiseLine = await virtualSerialLine();
    const meterLine = await virtualSerialLine();
    cleanups.push(() => noiseLine.close(), () => meterLine.close());
    const [modbusTcpPort, rtuServerPort, dltServerPort, watchPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-sim',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0, ratePerClient: 1_000, ratePerClientBurst: 1_000, bridges: [{ username: 'zigbee2mqtt', passwordSha256: hashToken('z2m-secret'), topics: ['zigbee2mqtt/#'] }] },
        // Nobody listens there: alerts stay in the outbox, where the test sees them.
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        devices: [
          { id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: hashToken('wm-1-secret') },
          { id: 'tas-2', householdId: 'hh-2', profile: 'tasmota/pulse-counter', topicName: 'water_meter_2', mqttPasswordSha256: hashToken('tas-2-secret') },
          { id: 'door-1', householdId: 'hh-1', profile: 'aqara/mccgq11lm', topicName: 'Front door 1' },
          { id: 'sos-1', householdId: 'hh-1', profile: 'tuya/ts0215a-sos', topicName: 'SOS button 1' },
          { id: 'band-1', householdId: 'hh-1', profile: 'generic/mqtt-wristband', mqttPasswordSha256: hashToken('band-1-secret') },
        ],
        modbus: {
          buses: [
            { id: 'modbus-tcp', tcp: { host: '127.0.0.1', port: modbusTcpPort }, devices: [{ id: 'em-1', householdId: 'hh-1', profile: 'eastron/sdm120', unitId: 1 }] },
            { id: 'site-rs485', rtu: { path: noiseLine.gatewayEnd }, devices: [{ id: 'noise-1', householdId: 'site-1', profile: 'generic/rs485-noise' }] },
            { id: 'box-rs485', rtuOverTcp: { host: '127.0.0.1', port: rtuServerPort }, devices: [{ id: 'em-2', householdId: 'hh-2', profile: 'eastron/sdm120', unitId: 3 }] },
          ],
        },
        dlt645: {
          lines: [
            { id: 'meters-serial', path: meterLine.gatewayEnd, devices: [{ id: 'mt-1', householdId: 'hh-1', profile: 'generic/dlt645-single-phase', address: '000000000101' }] },
            { id: 'meters-box', tcp: { host: '127.0.0.1', port: dltServerPort }, devices: [{ id: 'mt-2', householdId: 'hh-2', profile: 'generic/dlt645-single-phase', address: '000000000102' }] },
          ],
        },
        watch: { host: '127.0.0.1', port: watchPort, devices: [{ id: 'wb-2', householdId: 'hh-2', watchId: '8800000102' }] },
      }),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => gw.close());

    const home = { lat: 31.2304, lon: 121.4737 };
    const simulation = await startSimulation(
      simulateConfigSchema.parse({
        broker: `mqtt://127.0.0.1:${gw.mqttPort}`,
        watchServer: { host: '127.0.0.1', port: watchPort },
        modbusTcp: { host: '127.0.0.1', port: modbusTcpPort },
        lines: [
          { id: 'site-rs485', protocol: 'modbus-rtu', path: noiseLine.deviceEnd },
          { id: 'box-rs485', protocol: 'modbus-rtu', tcp: { host: '127.0.0.1', port: rtuServerPort } },
          { id: 'meters-serial', protocol: 'dlt645', path: meterLine.deviceEnd },
          { id: 'meters-box', protocol: 'dlt645', tcp: { host: '127.0.0.1', port: dltServerPort } },
        ],
        bridges: [{ id: 'z2m', username: 'zigbee2mqtt', password: 'z2m-secret' }],
        devices: [
          { id: 'wm-1', kind: 'water', seed: 1, interval: '1m', password: 'wm-1-secret' },
          { id: 'tas-2', kind: 'water', seed: 2, interval: '1m', profile: 'tasmota/pulse-counter', topicName: 'water_meter_2', password: 'tas-2-secret' },
          { id: 'door-1', kind: 'door', seed: 1, checkIn: '1m', bridge: 'z2m', topicName: 'Front door 1' },
          { id: 'sos-1', kind: 'sos-button', bridge: 'z2m', topicName: 'SOS button 1', presses: [iso(T0 + 2 * MINUTE + 30_000)] },
          { id: 'band-1', kind: 'wristband', seed: 1, home, interval: '1m', password: 'band-1-secret', fallAt: iso(T0 + 90_000) },
          { id: 'wb-2', kind: 'wristband', seed: 2, home, interval: '1m', watchId: '8800000102', sosAt: iso(T0 + 150_000) },
          { id: 'em-1', kind: 'electricity', seed: 1, on: 'modbus-tcp', unitId: 1 },
          { id: 'em-2', kind: 'electricity', seed: 2, on: 'box-rs485', unitId: 3 },
          { id: 'noise-1', kind: 'noise', seed: 1, on: 'site-rs485' },
          { id: 'mt-1', kind: 'electricity', seed: 1, profile: 'generic/dlt645-single-phase', on: 'meters-serial', address: '000000000101' },
          { id: 'mt-2', kind: 'electricity', seed: 2, profile: 'generic/dlt645-single-phase', on: 'meters-box', address: '000000000102' },
        ],
      } satisfies SimulateConfigInput),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => simulation.stop());

    // Three simulated minutes, in steps, so every poller and reporter gets its turns.
    for (let t = 0; t < 3 * MINUTE; t += 5_000) await clock.advance(5_000);

    const status = gw.status();
    expect(status.mqtt).toMatchObject({ malformed: 0, unknownTopic: 0, loginRefused: 0, forbidden: 0 });
    expect(status.mqtt.readings).toBeGreaterThanOrEqual(4 * 3 + 1); // water x2, door, band: each minute; the SOS press
    const polled = new Map(status.polled.map((h) => [h.deviceId, h]));
    for (const id of ['em-1', 'em-2', 'noise-1', 'mt-1', 'mt-2']) {
      expect(polled.get(id), id).toMatchObject({ online: true, counters: { timeout: 0, crc: 0, exception: 0, malformed: 0 } });
      expect(polled.get(id)!.counters.readings, id).toBeGreaterThan(0);
    }
    const pushed = new Map(status.pushed.map((h) => [h.deviceId, h]));
    for (const id of ['wm-1', 'tas-2', 'door-1', 'sos-1', 'band-1', 'wb-2']) {
      expect(pushed.get(id), id).toMatchObject({ online: true, lastFault: null, counters: { malformed: 0 } });
      expect(pushed.get(id)!.counters.readings, id).toBeGreaterThan(0);
    }
    expect(pushed.get('wb-2')!.transport).toBe('watch');
    expect(status.watch).toMatchObject({ malformed: 0, unknownDevice: 0 });
    expect(status.watch!.readings).toBeGreaterThanOrEqual(3);
    // The incidents: a fall on the MQTT band, an SOS on the 4G band and one on the Zigbee button.
    const alerts = gw.outbox.peek(20).map((e) => [e.alert.rule, e.alert.deviceId]);
    expect(alerts).toEqual(
      expect.arrayContaining([
        ['fall', 'band-1'],
        ['sos', 'wb-2'],
        ['sos', 'sos-1'],
      ]),
    );
    expect(simulation.counts().mqttFailed).toBe(0);
  });

  test('a fault window in the config: the meter goes silent and comes back, on the clock', async () => {
    const clock = new VirtualClock(T0);
    const modbusTcpPort = await freePort();
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-sim',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0, ratePerClient: 1_000, ratePerClientBurst: 1_000 },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        devices: [{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: hashToken('wm-1-secret') }],
        modbus: { buses: [{ id: 'tcp', tcp: { host: '127.0.0.1', port: modbusTcpPort }, devices: [{ id: 'em-1', householdId: 'hh-1', profile: 'eastron/sdm120', unitId: 1 }] }] },
      }),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => gw.close());
    const simulation = await startSimulation(
      simulateConfigSchema.parse({
        broker: `mqtt://127.0.0.1:${gw.mqttPort}`,
        modbusTcp: { port: modbusTcpPort },
        devices: [
          { id: 'wm-1', kind: 'water', seed: 1, interval: '1m', password: 'wm-1-secret', faults: [{ fault: 'garbage', from: iso(T0 + 5 * MINUTE), until: iso(T0 + 7 * MINUTE) }] },
          { id: 'em-1', kind: 'electricity', seed: 1, faults: [{ fault: { exception: 4 }, from: iso(T0 + 2 * MINUTE + 1), until: iso(T0 + 4 * MINUTE) }] },
        ],
      } satisfies SimulateConfigInput),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => simulation.stop());
    for (let t = 0; t < 10 * MINUTE; t += 30_000) await clock.advance(30_000);

    const status = gw.status();
    // Minutes 5 and 6 were garbage; the other eight decoded.
    expect(status.mqtt).toMatchObject({ readings: 8, malformed: 2 });
    expect(status.pushed).toEqual([expect.objectContaining({ deviceId: 'wm-1', online: true, counters: { readings: 8, malformed: 2 }, lastFault: expect.any(String) })]);
    const em = status.polled.find((h) => h.deviceId === 'em-1')!;
    // It polls each minute; only the poll at minute 3 falls in the window [2 min + 1 ms, 4 min),
    // and each of the SDM120's three blocks of registers is asked and refused then.
    expect(em.counters).toMatchObject({ exception: 3, timeout: 0 });
    expect(em.counters.readings).toBe(em.counters.polls - 1);
    expect(em.online).toBe(true);
  });

  test('config mistakes are named: a model on the wrong profile, a meter without its address', async () => {
    const clock = new VirtualClock(T0);
    const start = (devices: SimulateConfigInput['devices']) =>
      startSimulation(simulateConfigSchema.parse({ broker: 'mqtt://127.0.0.1:1', lines: [{ id: 'l1', protocol: 'dlt645', tcp: { port: 1 } }], devices }), { clock, logger: silentLogger() });
    await expect(start([{ id: 'x', kind: 'electricity', profile: 'generic/rs485-noise', on: 'modbus-tcp' }])).rejects.toThrow(
      /devices\[0\]\.profile: generic\/rs485-noise reads noise_dba, which the electricity model does not produce/,
    );
    await expect(start([{ id: 'x', kind: 'electricity', profile: 'generic/dlt645-single-phase', on: 'l1' }])).rejects.toThrow(/devices\[0\]\.address/);
    await expect(start([{ id: 'x', kind: 'water', profile: 'no/such' }])).rejects.toThrow(InputError);
    expect(() => simulateConfigSchema.parse({ devices: [{ id: 'x', kind: 'noise', on: 'nowhere' }] })).toThrow(/no line/);
  });
});

describe('fleet mode', () => {
  test('1,000 MQTT water meters and 100 Modbus sub-meters in one process, each read by the gateway', async () => {
    const clock = new VirtualClock(T0);
    const modbusTcpPort = await freePort();
    const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(4, '0')}`);
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-fleet',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0, bridges: [{ username: 'fleet', passwordSha256: hashToken('fleet-secret'), topics: ['gridwatch/#'] }] },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        devices: ids('wm-', 1_000).map((id, i) => ({ id, householdId: `hh-${i + 1}`, profile: 'generic/mqtt-water-flow' })),
        modbus: {
          buses: [
            {
              id: 'tcp',
              tcp: { host: '127.0.0.1', port: modbusTcpPort },
              devices: ids('em-', 100).map((id, i) => ({ id, householdId: `hh-${i + 1}`, profile: 'eastron/sdm120', unitId: i + 1 })),
            },
          ],
        },
      }),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => gw.close());
    const simulation = await startSimulation(
      simulateConfigSchema.parse({
        broker: `mqtt://127.0.0.1:${gw.mqttPort}`,
        modbusTcp: { port: modbusTcpPort },
        // Each meter its own MQTT connection, logging in with the fleet's shared account.
        fleets: [
          { kind: 'water', count: 1_000, idPrefix: 'wm-', seedFrom: 1, username: 'fleet', password: 'fleet-secret' },
          { kind: 'electricity', count: 100, idPrefix: 'em-', on: 'modbus-tcp' },
        ],
      } satisfies SimulateConfigInput),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => simulation.stop());
    expect(simulation.devices).toHaveLength(1_100);

    await clock.advance(30 * MINUTE); // 2 reports per meter (every 15 min); 31 polls per sub-meter (at once, then each minute)

    const status = gw.status();
    expect(status.mqtt).toMatchObject({ readings: 2_000, malformed: 0, throttled: 0 });
    expect(status.pushed.filter((h) => h.online)).toHaveLength(1_000);
    expect(status.polled.filter((h) => h.online && h.counters.readings === 31)).toHaveLength(100);
    expect(simulation.counts()).toMatchObject({ mqttPublished: 2_000, mqttFailed: 0 });
  });
});
