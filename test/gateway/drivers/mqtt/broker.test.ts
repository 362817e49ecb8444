import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { hashToken } from '../../../../lib/tokens.js';
import { silentLogger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import { freePort } from '../../../support/free-port.js';
import { HOUR, MINUTE, T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gateway(clock = new VirtualClock(T0), limits: { ratePerClient?: number; ratePerClientBurst?: number } = {}): Promise<{ gw: GatewayHandle; url: string; clock: VirtualClock; dataDir: string }> {
  const dataDir = tempDir();
  const gw = await startGateway(
    gatewayConfigSchema.parse({
      gatewayId: 'gw-1',
      dataDir,
      mqtt: {
        host: '127.0.0.1',
        port: 0,
        maxPayloadBytes: 1024,
        ...limits,
        bridges: [{ username: 'zigbee2mqtt', passwordSha256: hashToken('z2m-secret'), topics: ['zigbee2mqtt/#'] }],
      },
      // Nobody listens there: alerts stay in the outbox, where the test can see them.
      cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
      devices: [
        { id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: hashToken('wm-1-secret') },
        { id: 'tasmota-7', householdId: 'hh-2', profile: 'tasmota/pulse-counter', topicName: 'water_meter_7', mqttPasswordSha256: hashToken('t7-secret') },
        { id: 'sos-3', householdId: 'hh-3', profile: 'tuya/ts0215a-sos', topicName: 'SOS button bedroom' },
        { id: 'door-3', householdId: 'hh-3', profile: 'aqara/mccgq11lm', topicName: 'Front door' },
      ],
    }),
    { clock, logger: silentLogger() },
  );
  cleanups.push(() => gw.close());
  return { gw, url: `mqtt://127.0.0.1:${gw.mqttPort}`, clock, dataDir };
}

describe('the gateway MQTT broker', () => {
  test('when a QoS 1 publish is acknowledged, the alert it caused is already in the outbox', async () => {
    const { gw, url, clock } = await gateway();
    const client = await mqtt.connectAsync(url, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret' });
    cleanups.push(() => client.endAsync());
    let pendingAtPuback = 0;
    for (let t = 0; t <= 24 * HOUR; t += 15 * MINUTE) {
      await clock.advanceTo(T0 + t);
      await client.publishAsync('gridwatch/wm-1/water', '{"total_l":500}', { qos: 1 });
      // The other configured devices never report, so they fall silent meanwhile: only this meter's alert counts here.
      pendingAtPuback = gw.outbox.peek(1_000).filter((e) => e.alert.rule === 'no-water-use').length;
      if (pendingAtPuback > 0) break;
    }
    expect(pendingAtPuback).toBe(1);
    expect(clock.now()).toBe(T0 + 24 * HOUR);
  });

  test('readings taken over MQTT wait in the readings lane for the cloud, in order', async () => {
    const { gw, url } = await gateway();
    const client = await mqtt.connectAsync(url, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret' });
    cleanups.push(() => client.endAsync());
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.publishAsync('gridwatch/wm-1/water', `{"total_l":${100 + i}}`, { qos: 1 })));
    expect(gw.readings.counts()).toMatchObject({ queued: 20, pending: 0 });
    expect(gw.readings.peek(1)[0]).toMatchObject({ deviceId: 'wm-1', householdId: 'hh-1', metrics: { volume_l: 100 } });
  });

  test('a reading that cannot be committed gets no PUBACK: the device keeps it and sends it again', async () => {
    const { gw, url, dataDir } = await gateway();
    const client = await mqtt.connectAsync(url, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret', reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync(true));
    // Another writer holds the database: the group commit waits out busy_timeout (5 s), then fails.
    const blocker = new Database(join(dataDir, 'gateway.sqlite'));
    blocker.exec('BEGIN IMMEDIATE');
    let acked = false;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('gridwatch/wm-1/water', '{"total_l":5}', { qos: 1 }, (err) => (acked = !err));
    await closed;
    blocker.exec('ROLLBACK');
    blocker.close();
    expect(acked).toBe(false);
    expect(gw.readings.counts().queued).toBe(0);
  });

  test('a Tasmota pulse counter is read on its own topic, with its topic name', async () => {
    const { gw, url } = await gateway();
    const client = await mqtt.connectAsync(url, { clientId: 'tasmota-7', username: 'tasmota-7', password: 't7-secret' });
    cleanups.push(() => client.endAsync());
    await client.publishAsync('tele/water_meter_7/SENSOR', '{"Time":"2026-11-23T08:00:00","COUNTER":{"C1":42}}', { qos: 1 });
    expect(gw.status().mqtt).toMatchObject({ frames: 1, readings: 1, malformed: 0 });
  });

  test('malformed frames and unknown topics are counted, and the client stays connected', async () => {
    const { gw, url } = await gateway();
    const client = await mqtt.connectAsync(url, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret' });
    cleanups.push(() => client.endAsync());
    await client.publishAsync('gridwatch/wm-1/water', 'garbage', { qos: 1 });
    await client.publishAsync('gridwatch/wm-1/water', '{"total_l":"many"}', { qos: 1 });
    await client.publishAsync('gridwatch/wm-1/status', 'online', { qos: 1 }); // its own, not data: ignored
    await client.publishAsync('gridwatch/wm-1/water', '{"total_l":1}', { qos: 1 });
    expect(gw.status().mqtt).toMatchObject({ frames: 3, readings: 1, malformed: 2, ignored: 1, forbidden: 0 });
    expect(client.connected).toBe(true);
  });

  test('publishing to $SYS or over the size limit disconnects that client only', async () => {
    const { gw, url } = await gateway();
    const good = await mqtt.connectAsync(url, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret' });
    cleanups.push(() => good.endAsync());
    for (const [topic, payload] of [
      ['$SYS/broker/uptime', '1'],
      ['gridwatch/wm-1/water', `{"total_l":1,"pad":"${'x'.repeat(2000)}"}`],
    ] as const) {
      const bad = await mqtt.connectAsync(url, { clientId: 'intruder', username: 'tasmota-7', password: 't7-secret', reconnectPeriod: 0 });
      const closed = new Promise<void>((resolve) => bad.once('close', () => resolve()));
      bad.publish(topic, payload, { qos: 1 });
      await closed;
      await bad.endAsync(true);
    }
    await good.publishAsync('gridwatch/wm-1/water', '{"total_l":1}', { qos: 1 });
    expect(gw.status().mqtt.readings).toBe(1);
  });

  test('close() returns while devices are still connected (they never hang up on their own)', async () => {
    const { gw, url } = await gateway();
    cleanups.pop(); // closed here
    const client = await mqtt.connectAsync(url, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret', reconnectPeriod: 0 });
    const closed = await Promise.race([gw.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 3_000))]);
    expect(closed).toBe('closed');
    await client.endAsync(true);
  });

  test('a Zigbee2MQTT SOS press is a P1 alert on disk when the PUBACK comes; a door contact is a reading', async () => {
    const { gw, url } = await gateway();
    const z2m = await mqtt.connectAsync(url, { clientId: 'zigbee2mqtt', username: 'zigbee2mqtt', password: 'z2m-secret' });
    cleanups.push(() => z2m.endAsync());
    await z2m.publishAsync('zigbee2mqtt/Front door', '{"contact":false,"battery":91,"voltage":3005,"linkquality":144}', { qos: 1 });
    await z2m.publishAsync('zigbee2mqtt/SOS button bedroom', '{"action":"emergency","battery":100,"linkquality":87}', { qos: 1 });
    const queued = gw.outbox.peek(10).map((e) => e.alert);
    expect(queued.map((a) => [a.rule, a.grade, a.householdId, a.deviceId])).toEqual([['sos', 'P1', 'hh-3', 'sos-3']]);
    expect(gw.status().mqtt).toMatchObject({ readings: 2, malformed: 0 });
  });

  test('no credentials, or a wrong password: refused at CONNECT', async () => {
    const { gw, url } = await gateway();
    for (const options of [{}, { username: 'wm-1', password: 'guess' }]) {
      await expect(mqtt.connectAsync(url, { clientId: 'x', reconnectPeriod: 0, ...options })).rejects.toThrow(/Not authorized|Bad username or password/);
    }
    expect(gw.status().mqtt.loginRefused).toBe(2);
  });

  test("a device publishing to another household's meter is disconnected, and nothing is read", async () => {
    const { gw, url } = await gateway();
    const t7 = await mqtt.connectAsync(url, { clientId: 'tasmota-7', username: 'tasmota-7', password: 't7-secret', reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => t7.once('close', () => resolve()));
    t7.publish('gridwatch/wm-1/water', '{"total_l":1}', { qos: 1 });
    await closed;
    await t7.endAsync(true);
    expect(gw.status().mqtt).toMatchObject({ forbidden: 1, readings: 0 });
  });

  test('a bridge flooding readings is held back at its rate and read in full; an SOS in the same flood is an alert', async () => {
    // 200/s after a burst of 20: the 281 over the burst take about 1.4 s of wall time to be read.
    const { gw, url } = await gateway(new VirtualClock(T0), { ratePerClient: 200, ratePerClientBurst: 20 });
    const z2m = await mqtt.connectAsync(url, { clientId: 'zigbee2mqtt', username: 'zigbee2mqtt', password: 'z2m-secret' });
    cleanups.push(() => z2m.endAsync());
    const flood: Array<Promise<unknown>> = [];
    for (let i = 0; i < 300; i++) {
      flood.push(z2m.publishAsync('zigbee2mqtt/Front door', `{"contact":${i % 2 === 0},"linkquality":100}`, { qos: 1 }));
      if (i === 150) flood.push(z2m.publishAsync('zigbee2mqtt/SOS button bedroom', '{"action":"emergency","battery":90}', { qos: 1 }));
    }
    await Promise.all(flood);
    const counters = gw.status().mqtt;
    expect(counters.throttled).toBeGreaterThan(0);
    expect(counters.readings).toBe(301); // nothing dropped
    expect(gw.outbox.peek(10).map((e) => e.alert.rule)).toEqual(['sos']);
  });
});
