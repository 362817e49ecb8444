import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorBodySchema, ingestReadingsResponseSchema } from '../../../contract/ingest-wire.js';
import { T0, makeReading, readingRange } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud({
    readingsBodyLimitBytes: 64 * 1024,
    // Small enough to reach in a test, and no smaller than the largest batch.
    rateLimits: { readings: { perSecond: 1_000, burst: 5_000 } },
  });
});
afterAll(async () => {
  await t.close();
});

async function errorOf(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return errorBodySchema.strict().parse(await res.json());
}

async function answerOf(res: Response) {
  expect(res.status).toBe(200);
  return ingestReadingsResponseSchema.strict().parse(await res.json());
}

describe('POST /v1/ingest/readings', () => {
  test('commits a batch and answers accepted, duplicates and the new mark', async () => {
    const res = await t.postReadings({ stream: 'stream-first', readings: readingRange(1, 20) }, t.tokens.gw1);
    expect(await answerOf(res)).toEqual({ accepted: 20, duplicates: 0, committedSeq: 20 });
    expect(await t.cloud.readings.committedSeq('gw-1', 'stream-first')).toBe(20);
  });

  test('a value outside its metric\'s plausible range and a time far from the cloud\'s clock: 400 naming each field, nothing committed (issue 12)', async () => {
    const readings = [
      makeReading(1),
      makeReading(2, { metrics: { volume_l: 1e308, battery_pct: 90 } }),
      makeReading(3, { metrics: { spo2_pct: 101, latitude_deg: -91 } }),
    ];
    const res = await t.postReadings({ stream: 'stream-implausible', readings }, t.tokens.gw1);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: Array<{ path: string; message: string }> };
    expect(body.error).toBe('invalid_body');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['readings[1].metrics.volume_l', 'readings[2].metrics.latitude_deg', 'readings[2].metrics.spo2_pct']);
    expect(body.issues[0]!.message).toMatch(/plausible range/);

    for (const at of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', new Date(T0 + 2 * 86_400_000).toISOString()]) {
      const late = await t.postReadings({ stream: 'stream-implausible', readings: [makeReading(1), makeReading(2, { at })] }, t.tokens.gw1);
      expect(late.status, at).toBe(400);
      expect(await late.json()).toMatchObject({ error: 'invalid_body', issues: [{ path: 'readings[1].at', message: expect.stringContaining(at) }] });
    }
    expect(await t.cloud.readings.committedSeq('gw-1', 'stream-implausible')).toBe(0);
  });

  test('a resent batch is all duplicates, an overlapping one commits only what is above the mark', async () => {
    const body = { stream: 'stream-resend', readings: readingRange(1, 10) };
    await answerOf(await t.postReadings(body, t.tokens.gw1));
    expect(await answerOf(await t.postReadings(body, t.tokens.gw1))).toEqual({ accepted: 0, duplicates: 10, committedSeq: 10 });
    const overlapping = await t.postReadings({ stream: 'stream-resend', readings: readingRange(6, 14) }, t.tokens.gw1);
    expect(await answerOf(overlapping)).toEqual({ accepted: 4, duplicates: 5, committedSeq: 14 });
  });

  test('a stream is the gateway\'s own: the same stream id from another gateway starts at 0', async () => {
    await answerOf(await t.postReadings({ stream: 'stream-shared', readings: readingRange(1, 5) }, t.tokens.gw1));
    const other = await t.postReadings({ stream: 'stream-shared', readings: readingRange(1, 3, () => ({ deviceId: 'water-9' })) }, t.tokens.gw2);
    expect(await answerOf(other)).toEqual({ accepted: 3, duplicates: 0, committedSeq: 3 });
  });

  test('gaps in seq are allowed (readings the gateway dropped), and the mark jumps over them', async () => {
    const readings = [makeReading(3), makeReading(7), makeReading(40)];
    expect(await answerOf(await t.postReadings({ stream: 'stream-gaps', readings }, t.tokens.gw1))).toEqual({ accepted: 3, duplicates: 0, committedSeq: 40 });
  });

  test('a bad field: 400 naming it, readings[3].metrics.volume_l', async () => {
    const readings = readingRange(1, 5);
    (readings[3]!.metrics as Record<string, unknown>).volume_l = 'lots';
    const res = await t.postReadings({ stream: 'stream-bad', readings }, t.tokens.gw1);
    expect(res.status).toBe(400);
    const body = await errorOf(res);
    expect(body.error).toBe('invalid_body');
    expect(body.issues?.map((i) => i.path)).toEqual(['readings[3].metrics.volume_l']);
    expect(body.message).toContain('readings[3].metrics.volume_l: ');
    expect(await t.cloud.readings.committedSeq('gw-1', 'stream-bad')).toBe(0);
  });

  test('every bad field is named: unknown metric, empty metrics, infinity, bad time, bad stream, extra field', async () => {
    const readings = [
      makeReading(1, { metrics: { volume_l: 1, temperature_c: 20 } as never }),
      makeReading(2, { metrics: {} }),
      { ...makeReading(3), colour: 'blue' },
      makeReading(4, { at: '2026-11-20 08:00' }),
      makeReading(5, { metrics: { volume_l: -1 } }),
    ];
    // JSON has no Infinity, but 1e999 parses to it.
    const text = JSON.stringify({ stream: 'no', readings }).replace('"volume_l":-1', '"volume_l":1e999');
    const res = await t.postReadings(text, t.tokens.gw1);
    expect(res.status).toBe(400);
    const paths = (await errorOf(res)).issues!.map((i) => i.path).sort();
    expect(paths).toEqual(['readings[0].metrics.temperature_c', 'readings[1].metrics', 'readings[2].colour', 'readings[3].at', 'readings[4].metrics.volume_l', 'stream']);
  });

  test('seq must increase within a batch (checked once every reading is valid): 400 naming the seq', async () => {
    const res = await t.postReadings({ stream: 'stream-order', readings: [makeReading(1), makeReading(5), makeReading(5), makeReading(4)] }, t.tokens.gw1);
    expect(res.status).toBe(400);
    const body = await errorOf(res);
    expect(body.issues).toEqual([
      { path: 'readings[2].seq', message: 'seq must increase within a batch' },
      { path: 'readings[3].seq', message: 'seq must increase within a batch' },
    ]);
  });

  test('an empty batch: 400 naming readings', async () => {
    const empty = await t.postReadings({ stream: 'stream-empty', readings: [] }, t.tokens.gw1);
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).issues?.map((i) => i.path)).toEqual(['readings']);
  });

  test('without a token: 401 with a Bearer challenge; with an unknown one: 401, body unread', async () => {
    const none = await t.postReadings({ stream: 'stream-auth', readings: readingRange(1, 2) });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await errorOf(none)).error).toBe('unauthorized');
    const unknown = await t.postReadings('{not json', 'not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('invalid_token');
    const reader = await t.postReadings({ stream: 'stream-auth', readings: readingRange(1, 2) }, t.tokens.reader);
    expect(reader.status).toBe(401);
    expect(await t.cloud.readings.committedSeq('gw-1', 'stream-auth')).toBe(0);
  });

  test('a body over the readings limit: 413 naming that limit, not the alerts one', async () => {
    const res = await t.postReadings({ stream: 'stream-big', readings: readingRange(1, 600) }, t.tokens.gw1);
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ error: 'body_too_large', message: expect.stringContaining(`${64 * 1024} bytes`) });
  });

  test('a body that is not JSON: 415', async () => {
    const res = await t.postReadings('readings=1', t.tokens.gw1, { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).error).toBe('unsupported_media_type');
  });

  test('over the rate limit: 429 rate_limited with Retry-After, nothing committed; the bucket refills with time', async () => {
    // gw-2's bucket: 5,000 at once, 1,000/s. Batches of 300 readings stay under the body limit.
    const batch = (from: number) => ({ stream: 'stream-rate', readings: readingRange(from, from + 299, () => ({ deviceId: 'water-rate' })) });
    let next = 1;
    let refused: Response | undefined;
    for (let i = 0; i < 30 && !refused; i++) {
      const res = await t.postReadings(batch(next), t.tokens.gw2);
      if (res.status === 429) refused = res;
      else {
        await answerOf(res);
        next += 300;
      }
    }
    expect(next - 1).toBe(4_800); // 16 batches of 300 fit in the burst of 5,000; the 17th does not
    const body = await errorOf(refused!);
    expect(body).toMatchObject({ error: 'rate_limited', message: expect.stringContaining('1000 readings/s') });
    expect(refused!.headers.get('retry-after')).toBe('1'); // 100 tokens missing at 1,000/s
    expect(await t.cloud.readings.committedSeq('gw-2', 'stream-rate')).toBe(4_800);
    // Another gateway has a bucket of its own, and alerts one of their own.
    await answerOf(await t.postReadings({ stream: 'stream-rate', readings: readingRange(1, 300) }, t.tokens.gw1));

    await t.clock.advance(1_000);
    expect(await answerOf(await t.postReadings(batch(next), t.tokens.gw2))).toMatchObject({ accepted: 300, committedSeq: 5_100 });
  });
});
