import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt from 'mqtt';
import { afterAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { generateToken } from '../../lib/tokens.js';
import { cloudConfigSchema } from '../../cloud/config.js';
import { startCloud } from '../../cloud/main.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import type { FloodResult } from '../../simulators/mqtt/flood.js';
import { tempDir } from '../support/temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/gridwatch.js', import.meta.url));
const CLIENTS = 1_000;
const RATE = 30_000;
const SECONDS = Number(process.env.FLOOD_SECONDS ?? 60);

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `gridwatch flood` in its own process (the other core), as an operator would run it. */
function flood(port: number, password: string): Promise<FloodResult> {
  const child = spawn(
    process.execPath,
    [BIN, 'flood', '--broker', `mqtt://127.0.0.1:${port}`, '--clients', String(CLIENTS), '--rate', String(RATE), '--duration', `${SECONDS}s`, '--username', 'flood-bridge', '--password', password, '--qos', process.env.FLOOD_QOS ?? '1'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as FloodResult) : reject(new Error(`gridwatch flood exited ${code}:\n${err}`)))),
  );
}

describe(`a flood of ${CLIENTS} clients at ${RATE} msg/s for ${SECONDS} s`, () => {
  test('the gateway holds the flood back at its sockets, loses nothing, and a device that connects during it is heard at once: its SOS becomes a ticket', { timeout: (SECONDS + 90) * 1000 }, async () => {
    const dir = tempDir('gridwatch-flood-');
    const gatewayToken = generateToken();
    const reader = generateToken();
    const bridge = generateToken();
    const z2m = generateToken();
    const logger = silentLogger();
    const cloud = await startCloud(
      cloudConfigSchema.parse({
        http: { host: '127.0.0.1', port: 0 },
        sqlitePath: `${dir}/cloud.sqlite`,
        gateways: [{ id: 'gw-flood', tokenSha256: gatewayToken.sha256 }],
        readers: [{ name: 'test', tokenSha256: reader.sha256 }],
      }),
      { clock: systemClock, logger },
    );
    cleanups.push(() => cloud.close());
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-flood',
        dataDir: `${dir}/gateway`,
        // The defaults: 20 msg/s per client, bursts of 100.
        mqtt: {
          host: '127.0.0.1',
          port: 0,
          bridges: [
            { username: 'flood-bridge', passwordSha256: bridge.sha256, topics: ['gridwatch/#'] },
            { username: 'zigbee2mqtt', passwordSha256: z2m.sha256, topics: ['zigbee2mqtt/#'] },
          ],
        },
        cloud: { url: cloud.url, token: gatewayToken.token },
        devices: [
          ...Array.from({ length: CLIENTS }, (_, i) => ({ id: `fl-${String(i + 1).padStart(4, '0')}`, householdId: `hh-${i + 1}`, profile: 'generic/mqtt-water-flow' })),
          { id: 'sos-7', householdId: 'hh-7', profile: 'tuya/ts0215a-sos', topicName: 'SOS button bedroom' },
        ],
      }),
      { clock: systemClock, logger },
    );
    cleanups.push(() => gw.close());

    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
    cleanups.push(async () => clearInterval(sampler));

    const flooding = flood(gw.mqttPort, bridge.token);
    // Halfway through, the elder presses the SOS button; Zigbee2MQTT publishes it, QoS 1.
    await new Promise((r) => setTimeout(r, (SECONDS / 2) * 1000));
    const countersAtSos = gw.status().mqtt;
    // Zigbee2MQTT's own connect timeout (mqtt.js' default is 30 s): a gateway that cannot answer a CONNECT in 10 s has failed.
    const connectingAt = performance.now();
    const sosClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'zigbee2mqtt', username: 'zigbee2mqtt', password: z2m.token, connectTimeout: 10_000, reconnectPeriod: 0 });
    const connackMs = performance.now() - connectingAt;
    cleanups.push(() => sosClient.endAsync());
    const pressedAt = performance.now();
    await sosClient.publishAsync('zigbee2mqtt/SOS button bedroom', '{"action":"emergency","battery":95,"linkquality":120}', { qos: 1 });
    const sosAckMs = performance.now() - pressedAt;

    const result = await flooding;
    lag.disable();
    // The generator waited for its last PUBACKs; the SOS is read too.
    const deadline = Date.now() + 30_000;
    const seen = () => gw.status().mqtt.frames;
    while (seen() < result.sent + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const counters = gw.status().mqtt;

    // Still serving: a meter that connects now is read.
    const late = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'fl-0001', username: 'flood-bridge', password: bridge.token });
    await late.publishAsync('gridwatch/fl-0001/water', '{"total_l":99999}', { qos: 1 });
    await late.endAsync();
    expect(gw.status().mqtt.readings).toBe(counters.readings + 1);

    // The SOS ticket reaches the cloud.
    let tickets = await cloud.store.listTickets({});
    while (tickets.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      tickets = await cloud.store.listTickets({});
    }

    const figures = {
      offered: result.sent + result.blocked,
      sent: result.sent,
      readPerS: result.achievedRatePerS,
      blocked: result.blocked,
      dropped: result.dropped,
      readings: counters.readings,
      throttled: counters.throttled,
      deferred: counters.deferred,
      malformed: counters.malformed,
      sosConnackMs: Math.round(connackMs),
      sosPubackMs: Math.round(sosAckMs),
      eventLoopDelayP99Ms: Math.round(lag.percentile(99) / 1e6),
      eventLoopDelayMaxMs: Math.round(lag.max / 1e6),
      peakRssMiB: Math.round(peakRss / 2 ** 20),
    };
    process.stdout.write(`mqtt flood: ${JSON.stringify(figures)}\n`);

    expect(result.connected).toBe(CLIENTS);
    expect(result.dropped).toBe(0); // no client was cut off: held back, not collapsed
    // The generator kept its schedule: what it could not send, the gateway was holding back.
    expect(result.sent + result.blocked).toBeGreaterThanOrEqual(RATE * SECONDS * 0.95);
    expect(result.blocked).toBeGreaterThan(0);
    expect(result.acked).toBe(result.sent); // QoS 1: every publish sent was answered
    // Nothing is dropped: every frame sent was read (and the SOS).
    expect(counters.frames).toBe(result.sent + 1);
    expect(counters.readings).toBe(result.sent + 1);
    expect(counters.malformed).toBe(0);
    // No client may pass more than a burst of 100 and then 20/s (the defaults).
    expect(result.sent).toBeLessThanOrEqual(CLIENTS * (100 + 20 * (SECONDS + 5)));
    expect(countersAtSos.throttled + countersAtSos.deferred).toBeGreaterThan(0); // the SOS went in while the flood was being held back
    expect(tickets.map((t) => [t.rule, t.grade, t.householdId])).toEqual([['sos', 'P1', 'hh-7']]);
  });
});
