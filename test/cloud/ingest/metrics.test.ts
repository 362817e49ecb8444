import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeAlert, readingRange } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud({ bodyLimitBytes: 1_048_576, rateLimits: { readings: { perSecond: 10, burst: 5_000 } } });
});
afterAll(async () => {
  await t.close();
});

/** The value of one sample line of the exposition, e.g. `gridwatch_ingest_accepted_total{kind="alerts"}`. */
async function sample(name: string): Promise<number> {
  const text = await (await t.get('/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  test('is Prometheus text, without a token', async () => {
    const res = await t.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ['gridwatch_ingest_accepted_total', 'gridwatch_ingest_duplicates_total', 'gridwatch_rejected_requests_total', 'gridwatch_ingest_lag_seconds', 'gridwatch_telemetry_write_failures_total']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  test('alerts and readings: accepted, duplicates and lag move', async () => {
    const alerts = [makeAlert(), makeAlert({ rule: 'sos', grade: 'P1' })]; // at = T0 - 60 s, committed at T0
    await t.postAlerts({ alerts }, t.tokens.gw1);
    await t.postAlerts({ alerts }, t.tokens.gw1);
    expect(await sample('gridwatch_ingest_accepted_total{kind="alerts"}')).toBe(2);
    expect(await sample('gridwatch_ingest_duplicates_total{kind="alerts"}')).toBe(2);
    expect(await sample('gridwatch_ingest_lag_seconds_count{kind="alerts"}')).toBe(2);
    expect(await sample('gridwatch_ingest_lag_seconds_sum{kind="alerts"}')).toBe(120);
    expect(await sample('gridwatch_ingest_lag_seconds_bucket{le="15",kind="alerts"}')).toBe(0);
    expect(await sample('gridwatch_ingest_lag_seconds_bucket{le="60",kind="alerts"}')).toBe(2);

    // Readings at T0 - 1 h + seq s.
    await t.postReadings({ stream: 'stream-metrics', readings: readingRange(1, 10) }, t.tokens.gw1);
    await t.postReadings({ stream: 'stream-metrics', readings: readingRange(6, 12) }, t.tokens.gw1);
    expect(await sample('gridwatch_ingest_accepted_total{kind="readings"}')).toBe(12);
    expect(await sample('gridwatch_ingest_duplicates_total{kind="readings"}')).toBe(5);
    expect(await sample('gridwatch_ingest_lag_seconds_count{kind="readings"}')).toBe(12);
    expect(await sample('gridwatch_ingest_lag_seconds_sum{kind="readings"}')).toBe(Array.from({ length: 12 }, (_, i) => 3600 - (i + 1)).reduce((a, b) => a + b));
  });

  test('rejected requests are counted by route and reason', async () => {
    await t.postReadings({ stream: 'stream-metrics', readings: readingRange(1, 1) });
    await t.postReadings({ stream: 'x', readings: readingRange(1, 1) }, t.tokens.gw1);
    await t.postAlerts('alerts=1', t.tokens.gw1, { 'content-type': 'application/x-www-form-urlencoded' });
    await t.postAlerts({ alerts: [makeAlert({ gatewayId: 'gw-2' })] }, t.tokens.gw1);
    await t.get('/v1/nothing');
    // 5,000 readings fill gw-2's bucket (10/s); the next one is over.
    await t.postReadings({ stream: 'stream-full', readings: readingRange(1, 5_000) }, t.tokens.gw2);
    expect((await t.postReadings({ stream: 'stream-full', readings: readingRange(5_001, 5_001) }, t.tokens.gw2)).status).toBe(429);

    const rejected = (route: string, reason: string) => sample(`gridwatch_rejected_requests_total{route="${route}",reason="${reason}"}`);
    expect(await rejected('/v1/ingest/readings', 'unauthorized')).toBe(1);
    expect(await rejected('/v1/ingest/readings', 'invalid_body')).toBe(1);
    expect(await rejected('/v1/ingest/readings', 'rate_limited')).toBe(1);
    expect(await rejected('/v1/ingest/alerts', 'unsupported_media_type')).toBe(1);
    expect(await rejected('/v1/ingest/alerts', 'forbidden')).toBe(1);
    expect(await rejected('unmatched', 'not_found')).toBe(1);
  });
});
