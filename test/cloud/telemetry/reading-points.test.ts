import { Point } from '@influxdata/influxdb-client';
import { describe, expect, test } from 'vitest';
import type { WireReading } from '../../../contract/ingest-wire.js';
import { readingLine } from '../../../cloud/telemetry/reading-points.js';
import { makeReading } from '../fixtures.js';

/** The same reading through the client library's own Point, in ms precision. */
function viaPoint(gatewayId: string, r: WireReading): string | undefined {
  const point = new Point('reading').tag('gateway', gatewayId).tag('household', r.householdId).tag('device', r.deviceId).timestamp(Date.parse(r.at));
  for (const [metric, value] of Object.entries(r.metrics)) point.floatField(metric, value);
  return point.toLineProtocol({ convertTime: (t) => String(t) });
}

describe('readingLine', () => {
  test('measurement reading, sorted tags device, gateway, household, sorted float fields, ms time', () => {
    const r = makeReading(7, { at: '2026-11-20T08:00:00.123+08:00', metrics: { volume_l: 12.25, battery_pct: 90, flow_lpm: 0 } });
    expect(readingLine('gw-1', r)).toBe(`reading,device=water-1,gateway=gw-1,household=hh-1 battery_pct=90,flow_lpm=0,volume_l=12.25 ${Date.UTC(2026, 10, 20, 0, 0, 0, 123)}`);
  });

  test('is what the client library\'s Point writes, escaping included', () => {
    const cases: Array<[string, WireReading]> = [
      ['gw-1', makeReading(1)],
      ['gw:a.b_c', makeReading(2, { deviceId: 'dev:1.2_3', householdId: 'HH-9', metrics: { noise_dba: 55.5, power_w: -3.25e-7, energy_kwh: 1e21 } })],
      // Ids cannot hold these on the wire, but a line must never break if one ever does.
      ['gw 1', makeReading(3, { deviceId: 'a,b=c\\d', householdId: 'h h\nx\ty' })],
    ];
    for (const [gatewayId, reading] of cases) expect(readingLine(gatewayId, reading)).toBe(viaPoint(gatewayId, reading));
  });
});
