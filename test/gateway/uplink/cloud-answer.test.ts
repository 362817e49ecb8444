import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { VirtualClock } from '../../../lib/time/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { classifyAnswer, unanswered, type BatchTerms } from '../../../gateway/uplink/cloud-answer.js';
import { requestCloud } from '../../../gateway/uplink/cloud-request.js';
import { CloudSender } from '../../../gateway/uplink/cloud-sender.js';
import { freePort } from '../../support/free-port.js';
import { T0 } from '../../support/rules/rule-harness.js';

/** A lane of "items", refused by the codes the alerts lane knows; a 2xx says `{ taken }`. */
const terms: BatchTerms<{ taken: number }> = {
  field: 'items',
  one: 'an item',
  verdicts: { 400: 'invalid_body', 403: 'forbidden', 409: 'alert_id_conflict' },
  accepted: z.object({ taken: z.number() }),
};

const classify = (status: number, body: unknown, batchLength = 3) =>
  classifyAnswer({ status, text: typeof body === 'string' ? body : JSON.stringify(body), retryAfter: null }, terms, batchLength, T0);
const cloudError = (error: string, paths: string[] = []) => ({ error, message: 'x', issues: paths.map((path) => ({ path, message: 'no' })) });

describe('what an answer of the cloud means', () => {
  test('a 2xx with the expected body is accepted; one with another body is tried again later', () => {
    expect(classify(200, { taken: 3 })).toEqual({ kind: 'accepted', body: { taken: 3 } });
    expect(classify(200, '<html>ok</html>')).toMatchObject({ kind: 'retry-later', message: expect.stringContaining('unexpected body') });
  });

  test('a 413 is too large', () => {
    expect(classify(413, cloudError('body_too_large'))).toMatchObject({ kind: 'too-large', message: expect.stringMatching(/^413 /) });
  });

  test('the cloud naming items with its verdict code refuses those items', () => {
    expect(classify(400, cloudError('invalid_body', ['items[1].at', 'items[1].id', 'items[7].at']))).toMatchObject({ kind: 'refused', code: 'invalid_body', indexes: new Set([1]) });
    expect(classify(409, cloudError('alert_id_conflict', ['items[0].id']))).toMatchObject({ kind: 'refused', code: 'alert_id_conflict', indexes: new Set([0]) });
    expect(classify(403, cloudError('forbidden', ['items[2].gatewayId']))).toMatchObject({ kind: 'refused', code: 'forbidden', indexes: new Set([2]) });
  });

  test('a 403 naming every item is a token for another gateway: tried again later, with a hint', () => {
    const all = classify(403, cloudError('forbidden', ['items[0].gatewayId', 'items[1].gatewayId', 'items[2].gatewayId']));
    expect(all).toMatchObject({ kind: 'retry-later', message: expect.stringMatching(/^cloud answered 403 \(check cloud.token/) });
  });

  test('the cloud failing on the whole batch with its own error body (500, a 400 naming nothing) is "failed"', () => {
    expect(classify(500, cloudError('internal_error'))).toMatchObject({ kind: 'failed', message: expect.stringMatching(/^cloud answered 500: /) });
    expect(classify(400, cloudError('invalid_body'))).toMatchObject({ kind: 'failed', message: expect.stringContaining('400 without naming an item') });
    expect(classify(400, cloudError('invalid_body', ['items[9].at']))).toMatchObject({ kind: 'failed' });
  });

  test('a proxy page, a 409 with another code, a 502 or a 401 are tried again later', () => {
    for (const [status, body] of [
      [400, '<html>Bad Request</html>'],
      [409, cloudError('conflict', ['items[0].id'])],
      [500, '<html>oops</html>'],
      [502, '<html>Bad Gateway</html>'],
      [401, cloudError('unauthorized')],
    ] as const) {
      expect(classify(status, body)).toMatchObject({ kind: 'retry-later', retryAfterMs: undefined });
    }
  });

  test('a request that timed out or got no answer is tried again later, with the cause named', () => {
    expect(unanswered(new DOMException('timed out', 'TimeoutError'), 2_000)).toEqual({ kind: 'retry-later', message: 'no answer within 2000 ms', retryAfterMs: undefined });
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    expect(unanswered(refused, 2_000)).toMatchObject({ message: 'fetch failed (ECONNREFUSED)' });
  });
});

describe('a request to the cloud', () => {
  let server: Server;
  let url: URL;
  let reply: { status: number; headers?: Record<string, string>; body: unknown } = { status: 200, body: { taken: 1 } };
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(reply.body)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}/v1/ingest/items`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ask = (to = url, signal = new AbortController().signal) =>
    requestCloud({ url: to, token: 't'.repeat(20), body: { items: [1, 2] }, batchLength: 2, terms, clock: new VirtualClock(T0), timeoutMs: 10_000, signal });
  const unavailable = (headers: Record<string, string> = {}) => ({ status: 503, headers, body: { error: 'database_unavailable', message: 'later' } });

  test('a 429 or 503 waits its Retry-After in seconds', async () => {
    reply = { ...unavailable({ 'retry-after': '120' }), status: 429 };
    expect(await ask()).toMatchObject({ kind: 'retry-later', retryAfterMs: 120_000, message: expect.stringMatching(/^cloud answered 429: /) });
    reply = unavailable({ 'retry-after': '30' });
    expect(await ask()).toMatchObject({ kind: 'retry-later', retryAfterMs: 30_000 });
  });

  test('a Retry-After given as an HTTP date counts from the injected clock, not the wall clock', async () => {
    reply = unavailable({ 'retry-after': new Date(T0 + 90_000).toUTCString() });
    expect(await ask()).toMatchObject({ kind: 'retry-later', retryAfterMs: 90_000 });
  });

  test('a 503 without Retry-After is tried again after the backoff alone', async () => {
    reply = unavailable();
    expect(await ask()).toEqual({ kind: 'retry-later', retryAfterMs: undefined, message: expect.stringMatching(/^cloud answered 503: /) });
  });

  test('an accepted answer carries its body', async () => {
    reply = { status: 200, body: { taken: 2 } };
    expect(await ask()).toEqual({ kind: 'accepted', body: { taken: 2 } });
  });

  test('a refused connection or an aborted request is an answer to try again later, not a throw', async () => {
    const closed = new URL(`http://127.0.0.1:${await freePort()}/v1/ingest/items`);
    expect(await ask(closed)).toMatchObject({ kind: 'retry-later', message: expect.stringMatching(/ECONNREFUSED/), retryAfterMs: undefined });
    expect(await ask(url, AbortSignal.abort(new Error('the gateway is stopping')))).toMatchObject({ kind: 'retry-later', message: 'the gateway is stopping' });
  });

  test('a sender backs off at least until the Retry-After date, on its clock', async () => {
    reply = unavailable({ 'retry-after': new Date(T0 + 90_000).toUTCString() });
    const clock = new VirtualClock(T0);
    const sender = new (class extends CloudSender<{ taken: number }> {
      protected async sendAll(): Promise<void> {
        await this.post({ items: [1] }, 1);
      }
      protected failed(): void {}
      status() {
        return this.senderStatus();
      }
    })({ cloudUrl: url.origin, token: 't'.repeat(20), clock, logger: silentLogger(), random: () => 0.5 }, { ...terms, path: url.pathname, priority: 0 });
    sender.start();
    await sender.idle();
    await sender.stop();
    expect(sender.status()).toMatchObject({ consecutiveFailures: 1, retryAt: T0 + 90_000, lastError: expect.stringMatching(/^cloud answered 503: /) });
  });
});
