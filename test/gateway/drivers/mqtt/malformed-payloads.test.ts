import fc from 'fast-check';
import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { hashToken } from '../../../../lib/tokens.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway } from '../../../../gateway/main.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import { freePort } from '../../../support/free-port.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const PAYLOADS = Number(process.env.MALFORMED_PAYLOADS ?? 100_000);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const profiles = loadProfiles();
const DEVICES = [
  { id: 'wm-1', profile: 'generic/mqtt-water-flow', topic: 'gridwatch/wm-1/water' },
  { id: 'tas-1', profile: 'tasmota/pulse-counter', topic: 'tele/tas-1/SENSOR', topicName: 'tas-1' },
  { id: 'door-1', profile: 'aqara/mccgq11lm', topic: 'zigbee2mqtt/door-1', topicName: 'door-1' },
  { id: 'sos-1', profile: 'tuya/ts0215a-sos', topic: 'zigbee2mqtt/sos-1', topicName: 'sos-1' },
  { id: 'band-1', profile: 'generic/mqtt-wristband', topic: 'gridwatch/band-1/band' },
];

/** Each device's own fixtures, broken: cut, bytes replaced, values of the wrong type; and plain noise. */
function payloadArb(profileId: string) {
  const profile = profiles.get(profileId)!;
  if (profile.transport !== 'mqtt-json') throw new Error('MQTT profiles only');
  const fixtures = profile.fixtures.map((f) => f.payload);
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.string().map((s) => Buffer.from(s)),
    fc.constantFrom(...fixtures).chain((text) => fc.nat(text.length - 1).map((n) => Buffer.from(text.slice(0, n)))),
    fc.constantFrom(...fixtures).chain((text) =>
      fc.tuple(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 2 })).map(([at, by]) => Buffer.from(text.slice(0, at) + by + text.slice(at + by.length))),
    ),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  );
}

describe(`${PAYLOADS} malformed MQTT payloads on device topics`, () => {
  test('each is read or rejected with a reason and counted; the gateway never throws, and reads the next good frame', async () => {
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-1',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0, ratePerClient: 1_000_000, ratePerClientBurst: 1_000_000, bridges: [{ username: 'fuzz', passwordSha256: hashToken('fuzz-secret'), topics: ['gridwatch/#', 'tele/#', 'zigbee2mqtt/#'] }] },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars', sendReadings: false },
        devices: DEVICES.map((d) => ({ id: d.id, householdId: 'hh-1', profile: d.profile, ...(d.topicName ? { topicName: d.topicName } : {}) })),
      }),
      { clock: new VirtualClock(T0), logger: silentLogger() },
    );
    cleanups.push(() => gw.close());
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'fuzz', username: 'fuzz', password: 'fuzz-secret' });
    cleanups.push(() => client.endAsync());

    const perDevice = Math.ceil(PAYLOADS / DEVICES.length);
    for (const [d, device] of DEVICES.entries()) {
      const payloads = fc.sample(payloadArb(device.profile), { numRuns: perDevice, seed: d });
      for (let i = 0; i < payloads.length; i++) {
        client.publish(device.topic, payloads[i]!, { qos: 0 });
        if (i % 2_000 === 1_999) await client.publishAsync(device.topic, payloads[i]!, { qos: 1 }); // pace: wait for the broker
      }
    }
    const expected = perDevice * DEVICES.length + Math.floor(perDevice / 2_000) * DEVICES.length;
    const deadline = Date.now() + 60_000;
    while (gw.status().mqtt.frames < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));

    const status = gw.status();
    expect(status.mqtt.frames).toBe(expected);
    expect(status.mqtt.readings + status.mqtt.malformed).toBe(expected);
    expect(status.mqtt.malformed).toBeGreaterThan(expected * 0.5);
    for (const h of status.pushed) expect(h.lastFault, h.deviceId).toEqual(expect.any(String));
    process.stdout.write(`malformed payloads: ${JSON.stringify({ frames: status.mqtt.frames, rejected: status.mqtt.malformed, read: status.mqtt.readings, reasons: status.pushed.map((h) => `${h.deviceId}: ${h.lastFault}`) })}\n`);

    // Still reading.
    await client.publishAsync('gridwatch/wm-1/water', '{"total_l":12345}', { qos: 1 });
    expect(gw.status().mqtt.readings).toBe(status.mqtt.readings + 1);
  }, 120_000);
});
