import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, test } from 'vitest';
import { systemClock, VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { generateToken } from '../../lib/tokens.js';
import { cloudConfigSchema } from '../../cloud/config.js';
import { startCloud } from '../../cloud/main.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { seededRandom } from '../../lib/seeded-random.js';
import { tempDir } from '../support/temp-dir.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T00:00:00+08:00');
const METERS = 1_000;
const BUTTONS = 100;
const READINGS = Number(process.env.OUTAGE_READINGS ?? 2_000_000);
const ALERTS = 5_000;
const STEP = 10 * 60_000;
const STEPS = (24 * HOUR) / STEP;
const QUOTA = 32 * 1024 * 1024;

type Mode = 'refuse' | '503' | 'black-hole' | 'forward';

/**
 * Between the gateway and the cloud: a TCP proxy that refuses connections, answers 503, swallows
 * requests without a word, or forwards them, as the test says.
 */
async function outageProxy(cloudPort: number): Promise<{ port: number; mode: Mode; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { mode: 'refuse' as Mode };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (state.mode === 'refuse') return client.destroy();
    if (state.mode === '503') {
      const body = '{"error":"database_unavailable","message":"try again later"}';
      client.once('data', () => client.end(`HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n${body}`));
      return;
    }
    if (state.mode === 'black-hole') return; // reads nothing, answers nothing
    const cloud = connect(cloudPort, '127.0.0.1', () => {
      client.pipe(cloud);
      cloud.pipe(client);
    });
    cloud.on('error', () => client.destroy());
    cloud.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get mode() {
      return state.mode;
    },
    set mode(m: Mode) {
      state.mode = m;
      // A mode change ends what the previous mode was holding (the black hole's requests).
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe(`the cloud unreachable for 24 simulated hours (refusing, 503, black hole) with ${ALERTS} alerts and ${READINGS} readings`, () => {
  test('after recovery every alert is delivered in order per device; readings stay within quota, drops equal the counter', { timeout: 600_000 }, async () => {
    const dir = tempDir('gridwatch-outage-');
    const gatewayToken = generateToken();
    const bridge = generateToken();
    const cloud = await startCloud(
      cloudConfigSchema.parse({
        http: { host: '127.0.0.1', port: 0 },
        sqlitePath: join(dir, 'cloud.sqlite'),
        bodyLimitBytes: 4 * 1024 * 1024,
        gateways: [{ id: 'gw-out', tokenSha256: gatewayToken.sha256 }],
      }),
      { clock: systemClock, logger: silentLogger() },
    );
    cleanups.push(() => cloud.close());
    const proxy = await outageProxy(cloud.port);
    cleanups.push(() => proxy.close());

    const clock = new VirtualClock(T0);
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-out',
        dataDir: join(dir, 'gateway'),
        mqtt: { host: '127.0.0.1', port: 0, ratePerClient: 1_000_000, ratePerClientBurst: 1_000_000, bridges: [{ username: 'fleet', passwordSha256: bridge.sha256, topics: ['gridwatch/#', 'zigbee2mqtt/#'] }] },
        cloud: { url: `http://127.0.0.1:${proxy.port}`, token: gatewayToken.token, requestTimeout: '1s', readingsQuota: QUOTA, readingsLinger: '1m' },
        devices: [
          ...Array.from({ length: METERS }, (_, i) => ({ id: `wm-${i}`, householdId: `hh-${i}`, profile: 'generic/mqtt-water-flow' })),
          ...Array.from({ length: BUTTONS }, (_, i) => ({ id: `sos-${i}`, householdId: `hh-${i}`, profile: 'tuya/ts0215a-sos', topicName: `sos-${i}` })),
        ],
      }),
      { clock, logger: silentLogger() },
    );
    cleanups.push(() => gw.close());

    const clients: MqttClient[] = [];
    for (let c = 0; c < 10; c++) clients.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: `fleet-${c}`, username: 'fleet', password: bridge.token }));
    cleanups.push(() => Promise.all(clients.map((c) => c.endAsync())));

    const random = seededRandom(24);
    const pressSteps = Array.from({ length: ALERTS }, () => Math.floor(random() * STEPS)).sort((a, b) => a - b);
    const volume = new Float64Array(METERS).fill(1_000);
    const perStep = READINGS / STEPS;
    let sent = 0;
    let pressed = 0;
    let maxQueuedBytes = 0;
    const start = performance.now();
    for (let step = 0; step < STEPS; step++) {
      const hour = (step * STEP) / HOUR;
      proxy.mode = hour < 10 ? 'refuse' : hour < 20 ? '503' : 'black-hole';
      const target = Math.round((step + 1) * perStep);
      for (; sent < target; sent++) {
        const m = sent % METERS;
        volume[m]! += 0.5;
        clients[m % clients.length]!.publish(`gridwatch/wm-${m}/water`, `{"total_l":${volume[m]!.toFixed(1)}}`, { qos: 0 });
      }
      const presses: Array<Promise<unknown>> = [];
      while (pressed < ALERTS && pressSteps[pressed] === step) {
        // Each press a millisecond apart, so that every press is its own alert.
        await clock.advance(1);
        presses.push(clients[pressed % clients.length]!.publishAsync(`zigbee2mqtt/sos-${pressed % BUTTONS}`, '{"action":"emergency"}', { qos: 1 }));
        pressed++;
        await Promise.all(presses.splice(0));
      }
      while (gw.status().mqtt.frames < sent + pressed) await new Promise((r) => setTimeout(r, 2));
      await clock.advanceTo(T0 + (step + 1) * STEP);
      maxQueuedBytes = Math.max(maxQueuedBytes, gw.readings.counts().queuedBytes);
    }
    const fedIn = (performance.now() - start) / 1000;
    expect(gw.outbox.counts().pending).toBe(ALERTS);
    // Said on the gateway since the first failed delivery, in the first minutes of the outage.
    expect(gw.status().cloudUnreachableSince).toBeGreaterThanOrEqual(T0);
    expect(gw.status().cloudUnreachableSince).toBeLessThan(T0 + STEP);

    // The cloud is back.
    proxy.mode = 'forward';
    const deadline = Date.now() + 240_000;
    while ((gw.outbox.counts().pending > 0 || gw.readings.counts().queued > 0) && Date.now() < deadline) {
      await clock.advance(5_000);
      await gw.uplink.idle();
      await gw.readingsUplink?.idle();
    }
    const recoveredIn = (performance.now() - start) / 1000 - fedIn;
    const status = gw.status();
    const db = new Database(join(dir, 'cloud.sqlite'), { readonly: true });
    const alerts = db.prepare("SELECT device_id AS d, at_ms AS at FROM alerts WHERE rule = 'sos' ORDER BY rowid").all() as Array<{ d: string; at: number }>;
    const rolled = (db.prepare("SELECT COALESCE(SUM(sample_count), 0) AS n FROM reading_rollups_hourly WHERE metric = 'volume_l'").get() as { n: number }).n;
    db.close();
    // In the order the cloud received them, each device's alerts must come in the order they were raised.
    const lastAt = new Map<string, number>();
    let outOfOrder = 0;
    for (const a of alerts) {
      if ((lastAt.get(a.d) ?? -Infinity) > a.at) outOfOrder++;
      lastAt.set(a.d, a.at);
    }

    process.stdout.write(
      `cloud outage: ${JSON.stringify({ readingsSent: sent, readingsDelivered: rolled, readingsDropped: status.readings.dropped, maxQueuedMiB: +(maxQueuedBytes / 2 ** 20).toFixed(1), quotaMiB: QUOTA / 2 ** 20, alerts: alerts.length, outOfOrder, fedInS: Math.round(fedIn), recoveredInS: Math.round(recoveredIn) })}\n`,
    );
    expect(status.outbox.pending).toBe(0);
    expect(alerts).toHaveLength(ALERTS);
    expect(outOfOrder).toBe(0);
    expect(maxQueuedBytes).toBeLessThanOrEqual(QUOTA);
    expect(status.readings.queued).toBe(0);
    expect(status.readings.dropped).toBeGreaterThan(0);
    expect(rolled + status.readings.dropped).toBe(READINGS);
    expect(status.cloudUnreachableSince).toBeNull();
  });
});
