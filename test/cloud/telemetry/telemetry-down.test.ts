import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { errorBodySchema, ingestAlertsResponseSchema, ingestReadingsResponseSchema } from '../../../contract/ingest-wire.js';
import { makeAlert, readingRange } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';
import { startFakeInflux, type FakeInflux } from './fake-influx.js';

let store: FakeInflux;
let t: TestCloud;
beforeAll(async () => {
  store = await startFakeInflux();
  t = await startTestCloud({ telemetry: { url: store.url, org: 'gridwatch', bucket: 'readings', timeoutMs: 300, attempts: 2 } });
});
afterAll(async () => {
  await t?.close();
  await store?.close();
});
beforeEach(async () => {
  await store.setMode('ok');
});

async function expectTelemetryUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('10');
  expect(errorBodySchema.strict().parse(await res.json())).toMatchObject({ error: 'telemetry_unavailable' });
}

const metricValue = async (pattern: RegExp) => Number(pattern.exec(await (await t.get('/metrics')).text())?.[1] ?? 0);

describe('the telemetry store is down', () => {
  test('written as line protocol: measurement reading, tags gateway, household, device, ms precision', async () => {
    const readings = readingRange(1, 2);
    await t.postReadings({ stream: 'stream-lines', readings }, t.tokens.gw1);
    const write = store.writes.at(-1)!;
    expect(Object.fromEntries(write.query)).toEqual({ org: 'gridwatch', bucket: 'readings', precision: 'ms' });
    expect(write.lines).toEqual(
      readings.map((r) => `reading,device=water-1,gateway=gw-1,household=hh-1 battery_pct=90,volume_l=${r.metrics.volume_l} ${Date.parse(r.at)}`),
    );
  });

  for (const mode of ['refuse', 'error'] as const) {
    test(`${mode === 'refuse' ? 'refusing connections' : 'answering 503'}: readings 503 telemetry_unavailable, nothing committed, alerts still 200`, async () => {
      const failuresBefore = await metricValue(/^gridwatch_telemetry_write_failures_total (\d+)$/m);
      await store.setMode(mode);
      const stream = `stream-${mode}`;
      await expectTelemetryUnavailable(await t.postReadings({ stream, readings: readingRange(1, 10) }, t.tokens.gw1));
      expect(await t.cloud.readings.committedSeq('gw-1', stream)).toBe(0);
      expect(await t.cloud.readings.hourlyRollups({ deviceId: `water-${mode}` })).toEqual([]);

      const alerts = await t.postAlerts({ alerts: [makeAlert()] }, t.tokens.gw1);
      expect(alerts.status).toBe(200);
      expect(ingestAlertsResponseSchema.parse(await alerts.json()).results[0]!.status).toBe('created');
      expect(await metricValue(/^gridwatch_telemetry_write_failures_total (\d+)$/m)).toBe(failuresBefore + 1);

      // The store is back: the gateway's resend commits the whole batch.
      await store.setMode('ok');
      const resent = await t.postReadings({ stream, readings: readingRange(1, 10) }, t.tokens.gw1);
      expect(ingestReadingsResponseSchema.parse(await resent.json())).toEqual({ accepted: 10, duplicates: 0, committedSeq: 10 });
    });
  }

  test('a black hole: the readings request waits out its timeouts while an alert is answered at once', async () => {
    await store.setMode('blackhole');
    const readingsStarted = performance.now();
    let readingsAnswered = false;
    const readings = t.postReadings({ stream: 'stream-hole', readings: readingRange(1, 10) }, t.tokens.gw1).then((res) => {
      readingsAnswered = true;
      return { res, ms: performance.now() - readingsStarted };
    });
    // Let the readings request reach the store and hang there.
    const deadline = performance.now() + 30_000;
    const before = store.requests();
    while (store.requests() === before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));

    const alertStarted = performance.now();
    const alert = await t.postAlerts({ alerts: [makeAlert({ rule: 'sos', grade: 'P1' })] }, t.tokens.gw1);
    const alertMs = performance.now() - alertStarted;
    expect(alert.status).toBe(200);
    expect(readingsAnswered).toBe(false);

    const done = await readings;
    await expectTelemetryUnavailable(done.res);
    // Two attempts of 300 ms each, and the alert did not wait for them.
    expect(done.ms).toBeGreaterThan(500);
    console.info(`telemetry black hole: readings answered 503 after ${done.ms.toFixed(0)} ms; an alert meanwhile in ${alertMs.toFixed(1)} ms`);
    expect(await t.cloud.readings.committedSeq('gw-1', 'stream-hole')).toBe(0);
  });

  test('a 503 is tried again (attempts: 2), a 400 is not: the same lines would fail again', async () => {
    const retriesBefore = await metricValue(/^gridwatch_telemetry_write_retries_total (\d+)$/m);
    for (const [mode, attempts] of [['error', 2], ['reject', 1]] as const) {
      await store.setMode(mode);
      const before = store.requests();
      await expectTelemetryUnavailable(await t.postReadings({ stream: `stream-${mode}-retry`, readings: readingRange(1, 3) }, t.tokens.gw1));
      expect(store.requests() - before, mode).toBe(attempts);
    }
    expect(await metricValue(/^gridwatch_telemetry_write_retries_total (\d+)$/m)).toBe(retriesBefore + 1);
  });
});
