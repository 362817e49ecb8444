import { Agent, request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorBodySchema } from '../../contract/ingest-wire.js';
import { makeAlert, makeReading } from '../cloud/fixtures.js';
import { startTestCloud, type TestCloud } from '../cloud/start-test-cloud.js';

const BODIES = Number(process.env.MALFORMED_BODIES ?? 100_000);
const CONCURRENCY = 32;

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud({ bodyLimitBytes: 65_536 });
});
afterAll(async () => {
  agent.destroy();
  await t.close();
});

/** Valid bodies, then broken in the ways clients and networks break them. */
const validAlerts = JSON.stringify({ alerts: [makeAlert(), makeAlert({ kind: 'clear' })] });
const validReadings = JSON.stringify({ stream: 'stream-malformed', readings: [makeReading(1), makeReading(2)] });

const mangle = (text: string) =>
  fc.oneof(
    // Cut anywhere.
    fc.nat(text.length - 1).map((n) => text.slice(0, n)),
    // Bytes replaced.
    fc.array(fc.tuple(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 3 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      let s = text;
      for (const [at, by] of edits) s = s.slice(0, at) + by + s.slice(at + by.length);
      return s;
    }),
    // A field's value swapped for another JSON value.
    fc.tuple(fc.constantFrom('"id"', '"at"', '"kind"', '"grade"', '"seq"', '"metrics"', '"householdId"', '"stream"', '"readings"', '"alerts"'), fc.jsonValue()).map(([key, value]) =>
      text.replace(new RegExp(`${key}:("[^"]*"|[^,}\\]]*|\\{[^}]*\\})`), `${key}:${JSON.stringify(value) ?? 'null'}`),
    ),
  );

const bodyArb = fc.oneof(
  fc.string(),
  fc.json(),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  mangle(validAlerts),
  mangle(validReadings),
  fc.constantFrom('{"__proto__":{"polluted":1},"alerts":[]}', '{"constructor":{"prototype":{"x":1}}}', '[]', 'null', '{"alerts":[' + '['.repeat(5_000) + ']'.repeat(5_000) + ']}', '1e999999', '"\\ud800"'),
  fc.constant('x'.repeat(70_000)),
);

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** A POST on a kept-alive connection (node:http: a fraction of fetch's cost per request). */
function post(path: string, contentType: string, body: string | Buffer): Promise<{ status: number; text: string }> {
  const url = new URL(path, t.cloud.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), authorization: `Bearer ${t.tokens.gw1}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * 100,000 bodies a cloud may receive from broken gateways, proxies and attackers: every one is
 * answered 4xx with a reason in the error body's shape, none is a 500, and the cloud keeps
 * serving. (A body that happens to be valid may be accepted: 200 is fine, 500 never.)
 */
describe(`${BODIES} malformed bodies`, () => {
  test('each is refused with a code and a reason; nothing crashes; valid requests still go through', async () => {
    const bodies = fc.sample(fc.tuple(bodyArb, fc.constantFrom('/v1/ingest/alerts', '/v1/ingest/readings'), fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/octet-stream')), { numRuns: BODIES, seed: 5 });
    const byStatus = new Map<number, number>();
    const byCode = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) {
          const [body, path, contentType] = bodies[next++]!;
          const res = await post(path, contentType, body);
          const text = res.text;
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          if (res.status === 200) continue;
          expect(res.status, text).toBeGreaterThanOrEqual(400);
          expect(res.status, text).toBeLessThan(500);
          const error = errorBodySchema.parse(JSON.parse(text));
          expect(error.message.length).toBeGreaterThan(0);
          byCode.set(error.error, (byCode.get(error.error) ?? 0) + 1);
        }
      }),
    );
    process.stdout.write(`malformed bodies: ${JSON.stringify({ bodies: BODIES, byStatus: Object.fromEntries(byStatus), byCode: Object.fromEntries(byCode) })}\n`);
    expect(byStatus.get(500) ?? 0).toBe(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Still serving.
    const ok = await t.postAlerts({ alerts: [makeAlert()] }, t.tokens.gw1);
    expect(ok.status).toBe(200);
    expect((await t.get('/healthz')).status).toBe(200);
  }, 300_000);
});
