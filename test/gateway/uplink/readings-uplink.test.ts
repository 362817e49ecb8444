import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../lib/time/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { openGatewayDatabase } from '../../../gateway/store/gateway-database.js';
import { CloudReachability } from '../../../gateway/uplink/cloud-reachability.js';
import { ReadingsLane } from '../../../gateway/store/readings-lane.js';
import { ReadingsUplink } from '../../../gateway/uplink/readings-uplink.js';
import type { IngestReadingsRequest } from '../../../contract/ingest-wire.js';
import { freePort } from '../../support/free-port.js';

const T0 = Date.parse('2026-11-23T00:00:00+08:00');
const device = { deviceId: 'wm-1', householdId: 'hh-1', heartbeatMs: 900_000 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A cloud whose answers the test scripts; it records each request's body. */
async function scriptedCloud(answer: (body: IngestReadingsRequest, n: number) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const requests: IngestReadingsRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as IngestReadingsRequest;
    requests.push(body);
    const a = answer(body, requests.length);
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(JSON.stringify(a.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

const committedAll = (body: IngestReadingsRequest) => ({ status: 200, body: { accepted: body.readings.length, duplicates: 0, committedSeq: body.readings.at(-1)!.seq } });

async function lanes(n: number, cloudUrl: string, clock: VirtualClock, options: { batchSize?: number; reachability?: CloudReachability } = {}) {
  const db = openGatewayDatabase(':memory:');
  const lane = new ReadingsLane(db, { quotaBytes: 1e9, logger: silentLogger() });
  for (let i = 0; i < n; i++) lane.add({ deviceId: 'wm-1', at: T0 + i * 1_000, metrics: { volume_l: i } }, device);
  await lane.durable();
  const uplink = new ReadingsUplink({ lane, cloudUrl, token: 'a-token-of-sixteen-chars', clock, logger: silentLogger(), lingerMs: 5_000, random: () => 0.5, ...options });
  cleanups.push(async () => {
    await uplink.stop();
    db.close();
  });
  return { lane, uplink };
}

describe('the readings uplink', () => {
  test('sends the lane in seq order, in batches, and lets go only of what the cloud committed', async () => {
    const clock = new VirtualClock(T0);
    const cloud = await scriptedCloud(committedAll);
    const { lane, uplink } = await lanes(250, cloud.url, clock, { batchSize: 100 });
    uplink.start();
    await uplink.idle();
    expect(cloud.requests.map((r) => [r.readings[0]!.seq, r.readings.length])).toEqual([
      [1, 100],
      [101, 100],
      [201, 50],
    ]);
    expect(new Set(cloud.requests.map((r) => r.stream))).toEqual(new Set([lane.stream]));
    expect(lane.counts().queued).toBe(0);
    expect(uplink.status()).toMatchObject({ delivered: 250, consecutiveFailures: 0 });
  });

  test('new readings wait for the linger unless a batch is full', async () => {
    const clock = new VirtualClock(T0);
    const cloud = await scriptedCloud(committedAll);
    const { lane, uplink } = await lanes(0, cloud.url, clock, { batchSize: 10 });
    uplink.start();
    lane.add({ deviceId: 'wm-1', at: T0, metrics: { volume_l: 1 } }, device);
    await lane.durable();
    await uplink.idle();
    expect(cloud.requests).toHaveLength(0);
    await clock.advance(5_000);
    await uplink.idle();
    expect(cloud.requests).toHaveLength(1);
    for (let i = 0; i < 10; i++) lane.add({ deviceId: 'wm-1', at: T0 + i, metrics: { volume_l: i } }, device);
    await lane.durable();
    await uplink.idle();
    expect(cloud.requests).toHaveLength(2); // full batch: at once
  });

  test('a commit short of the batch keeps the rest; 503 waits its Retry-After; 413 halves the batch', async () => {
    const clock = new VirtualClock(T0);
    const cloud = await scriptedCloud((body, n) => {
      if (n === 1) return { status: 200, body: { accepted: 10, duplicates: 0, committedSeq: body.readings[9]!.seq } };
      if (n === 2) return { status: 503, body: { error: 'database_unavailable', message: 'later' }, headers: { 'retry-after': '120' } };
      if (body.readings.length > 25) return { status: 413, body: { error: 'body_too_large', message: 'too large' } };
      return committedAll(body);
    });
    const { lane, uplink } = await lanes(100, cloud.url, clock, { batchSize: 50 });
    uplink.start();
    await uplink.idle();
    expect(lane.peek(1)[0]!.seq).toBe(11);
    const status = uplink.status();
    expect(status.consecutiveFailures).toBe(1); // the short commit
    await clock.advance(status.retryAt! - clock.now());
    await uplink.idle();
    // The 503's Retry-After (120 s) is longer than the backoff (2 s).
    expect(uplink.status().retryAt! - clock.now()).toBeGreaterThanOrEqual(120_000);
    await clock.advance(120_000);
    await uplink.idle();
    expect(lane.counts().queued).toBe(0);
    expect(cloud.requests.slice(3).map((r) => r.readings.length)).toEqual([25, 25, 25, 15]);
  });

  test('readings the cloud names as invalid are dropped and counted; the others go', async () => {
    const clock = new VirtualClock(T0);
    const cloud = await scriptedCloud((body, n) =>
      n === 1
        ? { status: 400, body: { error: 'invalid_body', message: 'bad', issues: [{ path: 'readings[2].metrics.volume_l', message: 'too big' }] } }
        : committedAll(body),
    );
    const { lane, uplink } = await lanes(5, cloud.url, clock);
    uplink.start();
    await uplink.idle();
    expect(cloud.requests[1]!.readings.map((r) => r.seq)).toEqual([1, 2, 4, 5]);
    expect(uplink.status()).toMatchObject({ refused: 1, delivered: 4 });
    expect(lane.counts().queued).toBe(0);
  });
});

describe('cloud reachability', () => {
  test('a cloud that refuses every connection is called unreachable at 3 minutes, and reachable at the first success', async () => {
    const clock = new VirtualClock(T0);
    const port = await freePort();
    const changes: Array<[boolean, number]> = [];
    const reachability = new CloudReachability({ clock, logger: silentLogger(), onChange: (reachable, since) => changes.push([reachable, since]) });
    cleanups.push(() => reachability.stop());
    const { uplink } = await lanes(3, `http://127.0.0.1:${port}`, clock, { reachability });
    // Time moves in steps of a second, each waiting for the request in flight, as real time would.
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 1_000) {
        await clock.advance(1_000);
        await uplink.idle();
      }
    };
    uplink.start();
    await uplink.idle();
    await run(179_000);
    expect(uplink.status().consecutiveFailures).toBeGreaterThan(5);
    expect(reachability.unreachableSince).toBeNull();
    await run(1_000);
    expect(reachability.unreachableSince).toBe(T0);
    expect(changes).toEqual([[false, T0]]);

    // The cloud comes back on that port.
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(committedAll(JSON.parse(Buffer.concat(chunks).toString()) as IngestReadingsRequest).body)));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await run(60_000); // the backoff is capped at 60 s
    expect(reachability.unreachableSince).toBeNull();
    expect(changes).toEqual([
      [false, T0],
      [true, T0],
    ]);
  });
});
