import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../lib/time/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { openGatewayDatabase } from '../../../gateway/store/gateway-database.js';
import { Outbox } from '../../../gateway/store/outbox.js';
import type { Alert } from '../../../contract/alert.js';
import { AlertsUplink } from '../../../gateway/uplink/alerts-uplink.js';
import { T0 } from '../../support/rules/rule-harness.js';

type Responder = (body: { alerts: Alert[] }, res: ServerResponse) => void;

/** An HTTP server that answers each request with the next scripted responder (the last one repeats). */
async function scriptedCloud(script: Responder[]): Promise<{ url: string; requests: Array<{ alerts: Alert[] }>; close(): Promise<void> }> {
  const requests: Array<{ alerts: Alert[] }> = [];
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as { alerts: Alert[] };
    requests.push(body);
    script[Math.min(requests.length - 1, script.length - 1)]!(body, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ok: Responder = (body, res) =>
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ results: body.alerts.map((a) => ({ alertId: a.id, status: 'created', ticketId: 't' })) }));
const json = (status: number, body: unknown): Responder => (_, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

function alert(n: number): Alert {
  return {
    id: `gw-1:no-water-use:wm-${n}:1:raise`,
    gatewayId: 'gw-1',
    householdId: `hh-${n}`,
    deviceId: `wm-${n}`,
    rule: 'no-water-use',
    kind: 'raise',
    grade: 'P2',
    at: new Date(T0).toISOString(),
    summary: 'no water use',
    details: {},
  };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(script: Responder[], alerts = [alert(1), alert(2), alert(3)]) {
  const cloud = await scriptedCloud(script);
  cleanups.push(() => cloud.close());
  const db = openGatewayDatabase(':memory:');
  const outbox = new Outbox(db);
  outbox.enqueue(alerts, T0);
  const clock = new VirtualClock(T0);
  const uplink = new AlertsUplink({ outbox, cloudUrl: cloud.url, token: 't'.repeat(20), clock, logger: silentLogger(), random: () => 0.5 });
  cleanups.push(() => uplink.stop());
  uplink.start();
  await uplink.idle();
  return { cloud, db, outbox, clock, uplink };
}

describe('uplink failures', () => {
  test('a 400 that is not the cloud naming alerts (a proxy page) is retried, not a reason to set alerts aside', async () => {
    const proxyPage: Responder = (_, res) => res.writeHead(400, { 'content-type': 'text/html' }).end('<html>Bad Request</html>');
    const { outbox, clock, uplink, cloud } = await setup([proxyPage, ok]);
    expect(outbox.counts()).toEqual({ pending: 3, rejected: 0 });
    expect(uplink.status().lastError).toMatch(/400 without naming an alert/);
    await clock.advance(60_000);
    await uplink.idle();
    expect(outbox.counts()).toEqual({ pending: 0, rejected: 0 });
    expect(cloud.requests).toHaveLength(2);
  });

  test('only the alert the cloud names as invalid is set aside; the others go, and it is offered again an hour later', async () => {
    const invalid = json(400, { error: 'invalid_body', message: 'x', issues: [{ path: 'alerts[1].at', message: 'Invalid ISO datetime' }] });
    const { outbox, clock, uplink, cloud } = await setup([invalid, ok]);
    expect(outbox.counts()).toEqual({ pending: 1, rejected: 1 });
    expect(cloud.requests.map((r) => r.alerts.map((a) => a.deviceId))).toEqual([
      ['wm-1', 'wm-2', 'wm-3'],
      ['wm-1', 'wm-3'],
    ]);
    await clock.advance(3_600_000);
    await uplink.idle();
    expect(outbox.counts()).toEqual({ pending: 0, rejected: 0 });
  });

  test('an alert the cloud answers 409 alert_id_conflict is set aside, loudly and in status; the others go (issue 12)', async () => {
    const conflict = json(409, { error: 'alert_id_conflict', message: 'x', issues: [{ path: 'alerts[0].id', message: 'delivered before with a different summary' }] });
    const { outbox, uplink, cloud } = await setup([conflict, ok]);
    expect(outbox.counts()).toEqual({ pending: 1, rejected: 1 });
    expect(cloud.requests.map((r) => r.alerts.map((a) => a.deviceId))).toEqual([
      ['wm-1', 'wm-2', 'wm-3'],
      ['wm-2', 'wm-3'],
    ]);
    expect(uplink.status()).toMatchObject({ delivered: 2, setAside: 1, lastSetAside: { alertId: alert(1).id, reason: expect.stringContaining('alert_id_conflict') } });
  });

  test('a 403 naming one alert of the batch (another gateway id) sets it aside; one naming all is a config mistake and retried (issue 12)', async () => {
    const some = json(403, { error: 'forbidden', message: 'x', issues: [{ path: 'alerts[2].gatewayId', message: 'not the token' }] });
    const a = await setup([some, ok]);
    expect(a.outbox.counts()).toEqual({ pending: 1, rejected: 1 });
    const all = json(403, { error: 'forbidden', message: 'x', issues: [0, 1, 2].map((i) => ({ path: `alerts[${i}].gatewayId`, message: 'not the token' })) });
    const b = await setup([all, ok]);
    expect(b.outbox.counts()).toEqual({ pending: 3, rejected: 0 });
    expect(b.uplink.status().lastError).toMatch(/403 \(check cloud.token/);
  });

  test('an alert the cloud keeps failing on (500) holds back no other, and is set aside after 5 refusals (issue 12)', async () => {
    // The cloud fails on any request that carries wm-2's alert (a NUL PostgreSQL refused, say).
    const poisoned: Responder = (body, res) =>
      body.alerts.some((a) => a.deviceId === 'wm-2') ? json(500, { error: 'internal_error', message: 'internal error; the server log has request 7' })(body, res) : ok(body, res);
    const { outbox, clock, uplink, cloud, db } = await setup([poisoned]);
    expect(outbox.counts()).toEqual({ pending: 1, rejected: 0 });
    expect(cloud.requests.map((r) => r.alerts.map((a) => a.deviceId))).toEqual([['wm-1', 'wm-2', 'wm-3'], ['wm-1', 'wm-2'], ['wm-1'], ['wm-2'], ['wm-3']]);

    // An SOS raised later goes at once, however often wm-2 is tried.
    for (let n = 0; n < 4; n++) {
      outbox.enqueue([{ ...alert(10 + n), rule: 'sos', grade: 'P1' }], T0);
      outbox.notify();
      await clock.advance(60_000);
      await uplink.idle();
      expect(db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE device_id = ?').get(`wm-${10 + n}`)).toEqual({ n: 0 });
    }
    expect(outbox.counts()).toEqual({ pending: 1, rejected: 1 });
    expect(uplink.status()).toMatchObject({ setAside: 1, lastSetAside: { alertId: alert(2).id, reason: expect.stringContaining('5 times') } });
    expect(uplink.status().delivered).toBe(6);
  });

  test('a cloud failing on every alert (500) sets none aside: the cloud, not an alert, is at fault (issue 12)', async () => {
    const broken = json(500, { error: 'internal_error', message: 'internal error' });
    const { outbox, clock, uplink } = await setup([broken]);
    for (let n = 0; n < 8; n++) {
      await clock.advance(120_000);
      await uplink.idle();
    }
    expect(outbox.counts()).toEqual({ pending: 3, rejected: 0 });
    expect(uplink.status().consecutiveFailures).toBeGreaterThan(5);
  });

  test('a batch over the size limit is halved until it goes', async () => {
    const limit: Responder = (body, res) => (body.alerts.length > 1 ? json(413, { error: 'body_too_large', message: 'x' })(body, res) : ok(body, res));
    const { outbox, cloud } = await setup([limit]);
    expect(outbox.counts()).toEqual({ pending: 0, rejected: 0 });
    expect(cloud.requests.map((r) => r.alerts.length)).toEqual([3, 2, 1, 1, 1]);
  });

  test('a database error while draining backs off instead of crashing the gateway', async () => {
    const cloud = await scriptedCloud([ok]);
    cleanups.push(() => cloud.close());
    const db = openGatewayDatabase(':memory:');
    const outbox = new Outbox(db);
    const clock = new VirtualClock(T0);
    const uplink = new AlertsUplink({ outbox, cloudUrl: cloud.url, token: 't'.repeat(20), clock, logger: silentLogger() });
    cleanups.push(() => uplink.stop());
    db.close();
    uplink.start();
    await uplink.idle();
    expect(uplink.status().lastError).toMatch(/database connection is not open/);
    expect(uplink.status().retryAt).not.toBeNull();
  });

  test('stop() during a request aborts it, keeps its alerts, and leaves no timer behind', async () => {
    let answer: (() => void) | undefined;
    const slow: Responder = (body, res) => {
      answer = () => ok(body, res);
    };
    const cloud = await scriptedCloud([slow]);
    cleanups.push(() => cloud.close());
    const db = openGatewayDatabase(':memory:');
    const outbox = new Outbox(db);
    outbox.enqueue([alert(1)], T0);
    const clock = new VirtualClock(T0);
    const uplink = new AlertsUplink({ outbox, cloudUrl: cloud.url, token: 't'.repeat(20), clock, logger: silentLogger() });
    uplink.start();
    while (cloud.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await uplink.stop();
    answer?.();
    expect(outbox.counts().pending).toBe(1);
    expect(clock.pending).toBe(0);
  });
});
