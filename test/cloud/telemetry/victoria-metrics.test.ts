import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { telemetryConfigSchema } from '../../../cloud/config.js';
import { ingestReadingsResponseSchema, type WireReading } from '../../../contract/ingest-wire.js';
import { InfluxTelemetryWriter } from '../../../cloud/telemetry/influx-writer.js';
import { silentLogger } from '../../../lib/log.js';
import { requireCommand } from '../../support/commands.js';
import { readingRange } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';
import { startVictoriaMetrics, VICTORIA_METRICS, type ExportedSeries, type VictoriaMetrics } from './victoria-metrics.js';

const installed = requireCommand(VICTORIA_METRICS);

/** Three devices, two of them water meters with a battery, one noise sensor; values exact in binary. */
const readingsOf = (from: number, to: number) =>
  readingRange(from, to, (seq) =>
    seq % 3 === 0
      ? { deviceId: 'noise-1', householdId: 'site-1', metrics: { noise_dba: 40 + (seq % 20) * 0.5 } }
      : { deviceId: `water-${seq % 3}`, metrics: { volume_l: 1000 + seq * 0.25, battery_pct: 90 - (seq % 10) } },
  );

/** What the store should hold: one sample per reading and metric, by series. */
function expectedSeries(readings: readonly WireReading[]): Map<string, { values: number[]; timestamps: number[] }> {
  const series = new Map<string, { values: number[]; timestamps: number[] }>();
  for (const r of [...readings].sort((a, b) => Date.parse(a.at) - Date.parse(b.at))) {
    for (const [metric, value] of Object.entries(r.metrics) as [string, number][]) {
      const key = `reading_${metric}{device="${r.deviceId}",gateway="gw-1",household="${r.householdId}"}`;
      const s = series.get(key) ?? { values: [], timestamps: [] };
      s.values.push(value);
      s.timestamps.push(Date.parse(r.at));
      series.set(key, s);
    }
  }
  return series;
}

function keyOf(s: ExportedSeries): string {
  const { __name__, ...labels } = s.metric;
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',');
  return `${__name__}{${text}}`;
}

describe.skipIf(!installed)('readings through the cloud into a real VictoriaMetrics', () => {
  let vm: VictoriaMetrics;
  let t: TestCloud;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    t = await startTestCloud({ telemetry: { url: vm.url, org: 'gridwatch', bucket: 'readings', batchSize: 40 } });
  });
  afterAll(async () => {
    await t?.close();
    await vm?.stop();
  });

  test('every reading comes back with its value, time and tags, once, also after a resend', async () => {
    const first = await t.postReadings({ stream: 'stream-vm-1', readings: readingsOf(1, 90) }, t.tokens.gw1);
    expect(ingestReadingsResponseSchema.parse(await first.json())).toEqual({ accepted: 90, duplicates: 0, committedSeq: 90 });

    // A cloud that wrote 81..120 to the store and died before its commit: the gateway resends
    // 81..150 (to another replica), which writes 91..150 again. The store holds each point once.
    const writer = new InfluxTelemetryWriter({ config: telemetryConfigSchema.parse({ url: vm.url, org: 'gridwatch', bucket: 'readings' }), logger: silentLogger() });
    await writer.write('gw-1', readingsOf(81, 120));
    writer.close();
    const resent = await t.postReadings({ stream: 'stream-vm-1', readings: readingsOf(81, 150) }, t.tokens.gw1);
    expect(ingestReadingsResponseSchema.parse(await resent.json())).toEqual({ accepted: 60, duplicates: 10, committedSeq: 150 });

    const expected = expectedSeries(readingsOf(1, 150));
    let exported: ExportedSeries[] = [];
    // force_flush makes fresh samples searchable; a short poll covers a slow machine.
    for (let i = 0; i < 50; i++) {
      exported = await vm.exportSeries('{__name__=~"reading_.*",gateway="gw-1"}');
      const samples = exported.reduce((n, s) => n + s.values.length, 0);
      if (samples >= [...expected.values()].reduce((n, s) => n + s.values.length, 0)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = new Map(exported.map((s) => [keyOf(s), { values: s.values, timestamps: s.timestamps }]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, series] of expected) expect(got.get(key), key).toEqual(series);

    // The cloud's count of points the store acknowledged: 90 + 60 (the direct write was not the cloud's).
    const metrics = await (await t.get('/metrics')).text();
    expect(metrics).toMatch(/^gridwatch_telemetry_points_written_total 150$/m);
  });
});
