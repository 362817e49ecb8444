import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cloudConfigSchema } from '../../../cloud/config.js';
import { MAX_ALERTS_PER_REQUEST, MAX_READINGS_PER_REQUEST, ingestAlertsResponseSchema, ingestReadingsResponseSchema } from '../../../contract/ingest-wire.js';
import { makeAlert, makeReading } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

const defaults = cloudConfigSchema.parse({});

let t: TestCloud;
beforeAll(async () => {
  // The shipped limits, not the test cloud's small ones.
  t = await startTestCloud({ bodyLimitBytes: defaults.bodyLimitBytes, readingsBodyLimitBytes: defaults.readingsBodyLimitBytes, rateLimits: defaults.rateLimits });
});
afterAll(async () => {
  await t.close();
});

/** A reading as large as real ones get: long ids, every metric of a wristband, a time with offset. */
function bigReading(seq: number) {
  return makeReading(seq, {
    householdId: `hh-district-07-compound-123-building-4-unit-2-room-1201`,
    deviceId: `band-4g-880900884512345-${seq % 200}`,
    at: new Date(Date.UTC(2026, 10, 20, 0, 0, 0) + seq * 1000).toISOString().replace('Z', '+00:00'),
    metrics: { heart_rate_bpm: 72 + (seq % 30), spo2_pct: 97.5, latitude_deg: 31.230416, longitude_deg: 121.473701, battery_pct: 88 },
  });
}

describe('the default limits take the largest batches a gateway sends', () => {
  test(`${MAX_READINGS_PER_REQUEST} large readings in one request, twice in a row`, async () => {
    for (const from of [1, MAX_READINGS_PER_REQUEST + 1]) {
      const body = JSON.stringify({ stream: 'stream-full-batch', readings: Array.from({ length: MAX_READINGS_PER_REQUEST }, (_, i) => bigReading(from + i)) });
      expect(Buffer.byteLength(body)).toBeLessThan(defaults.readingsBodyLimitBytes);
      const started = performance.now();
      const res = await t.postReadings(body, t.tokens.gw1);
      const ms = performance.now() - started;
      expect(ingestReadingsResponseSchema.parse(await res.json())).toMatchObject({ accepted: MAX_READINGS_PER_REQUEST });
      console.info(`${MAX_READINGS_PER_REQUEST} readings (${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB) through the route on SQLite in ${ms.toFixed(0)} ms`);
    }
  });

  test(`${MAX_ALERTS_PER_REQUEST} alerts in one request`, async () => {
    const alerts = Array.from({ length: MAX_ALERTS_PER_REQUEST }, (_, i) => makeAlert({ householdId: `hh-${i % 50}`, deviceId: `door-${i}`, summary: 'no door activity in 24 h '.repeat(8) }));
    const body = JSON.stringify({ alerts });
    expect(Buffer.byteLength(body)).toBeLessThan(defaults.bodyLimitBytes);
    const res = await t.postAlerts(body, t.tokens.gw1);
    expect(ingestAlertsResponseSchema.parse(await res.json()).results).toHaveLength(MAX_ALERTS_PER_REQUEST);
  });
});
