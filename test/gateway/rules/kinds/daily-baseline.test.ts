import { describe, expect, test } from 'vitest';
import {
  dailyBaselineRuleSchema,
  dailyBaselineStateSchema,
  evaluateDailyBaseline,
  nextLocalMidnight,
  startOfLocalDay,
  type DailyBaselineState,
} from '../../../../gateway/rules/kinds/daily-baseline.js';
import type { Edge, GatewayContext, RuleTrigger } from '../../../../gateway/rules/kinds/kind-api.js';
import type { DeviceContext } from '../../../../contract/device-context.js';
import type { OfflineSpan } from '../../../../lib/time/offline-spans.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The meter reports every heartbeat. */
const STEP = 15 * MINUTE;
/** 2026-11-10 00:00 in Shanghai: day i of a test starts at T0 + i * DAY (no DST there). */
const T0 = Date.parse('2026-11-10T00:00:00+08:00');

const DEVICE: DeviceContext = { deviceId: 'em-1', householdId: 'hh-3', heartbeatMs: STEP };
const SHANGHAI: GatewayContext = { offline: [], timeZone: 'Asia/Shanghai' };
const RULE = dailyBaselineRuleSchema.parse({
  id: 'electricity-low',
  kind: 'daily-baseline',
  title: 'electricity use far below usual',
  metric: 'energy_kwh',
  grade: 'P2',
});
/** Seven ordinary days, median 2 kWh. */
const NORMAL = [2, 2.1, 1.9, 2.2, 1.8, 2, 2];

/**
 * An electricity meter fed straight to the evaluator, the way the engine does: state threaded
 * through, edges collected with the time they happened.
 */
function meter(gateway: GatewayContext = SHANGHAI, start = T0) {
  let value = 1000;
  let state: DailyBaselineState | undefined;
  const out = { edges: [] as Array<Edge & { at: number }>, anomalies: [] as string[], wakeAt: undefined as number | undefined };

  function step(input: RuleTrigger, at: number): void {
    const s = evaluateDailyBaseline(RULE, state, input, { device: DEVICE, gateway });
    if (!s) return;
    state = s.state;
    out.wakeAt = s.wakeAt;
    if (s.anomaly) out.anomalies.push(s.anomaly);
    if (s.edge) out.edges.push({ ...s.edge, at });
  }
  const read = (at: number) => step({ type: 'reading', reading: { deviceId: DEVICE.deviceId, at, metrics: { energy_kwh: value } } }, at);

  const m = {
    get out() {
      return out;
    },
    get state(): DailyBaselineState {
      return state!;
    },
    /** Readings every 15 min in [from, to), `kwh` used evenly; `silent(t)` drops a reading (the use goes on). */
    span(from: number, to: number, kwh: number, silent: (t: number) => boolean = () => false) {
      const n = Math.round((to - from) / STEP);
      for (let t = from; t < to; t += STEP) {
        value += kwh / n;
        if (!silent(t)) read(t);
      }
      return m;
    },
    /** Shanghai days from day `first` on, one use each. */
    days(first: number, uses: number[]) {
      uses.forEach((kwh, i) => m.span(T0 + (first + i) * DAY, T0 + (first + i + 1) * DAY, kwh));
      return m;
    },
    setCounter(v: number) {
      value = v;
      return m;
    },
    tick(at: number) {
      step({ type: 'tick', at }, at);
      return m;
    },
  };
  // One reading late on the day before, so the first day's first interval counts.
  read(start - STEP);
  return m;
}

describe('electricity use far below the household’s own usual', () => {
  test('no day is judged during the warm-up, not even a day of 0', () => {
    const m = meter()
      .days(0, [...NORMAL.slice(0, 6), 0])
      .tick(T0 + 7 * DAY);
    expect(m.out.edges).toEqual([]);
    expect(m.state.history.map(([, use]) => use)).toEqual([...NORMAL.slice(0, 6), 0]);
  });

  test('after 7 normal days a day at 20% raises exactly once, at local midnight by a tick when no reading comes', () => {
    const m = meter().days(0, [...NORMAL, 0.4]);
    expect(m.out.wakeAt).toBe(T0 + 8 * DAY);
    m.tick(T0 + 8 * DAY - 5 * MINUTE);
    expect(m.out.edges).toEqual([]);
    expect(m.out.wakeAt).toBe(T0 + 8 * DAY);

    m.tick(T0 + 8 * DAY);
    expect(m.out.edges).toEqual([
      {
        kind: 'raise',
        at: T0 + 8 * DAY,
        episode: T0 + 7 * DAY,
        summary: 'electricity use far below usual: 0.4 kWh on 2026-11-17, 20% of the usual 2 kWh (median of 7 days), household hh-3',
        details: { dayUse: 0.4, median: 2, ratio: 0.2, days: 7, date: '2026-11-17', unit: 'kWh', threshold: 0.3 },
      },
    ]);
    expect(m.out.wakeAt).toBe(T0 + 9 * DAY);

    // The next day is as low: the alert is already open.
    m.days(8, [0.4]).tick(T0 + 9 * DAY).days(9, [0.3]);
    expect(m.out.edges).toHaveLength(1);
  });

  test('a day at 40% of usual raises nothing', () => {
    const m = meter()
      .days(0, [...NORMAL, 0.8])
      .tick(T0 + 8 * DAY);
    expect(m.out.edges).toEqual([]);
    expect(m.state.history).toHaveLength(8);
  });

  test('low days then a normal day clear the alert, with the episode it was raised with', () => {
    const m = meter()
      .days(0, [...NORMAL, 0.3, 0.2, 2])
      .tick(T0 + 10 * DAY);
    expect(m.out.edges.map((e) => [e.kind, e.episode, e.at])).toEqual([
      ['raise', T0 + 7 * DAY, T0 + 8 * DAY],
      ['clear', T0 + 7 * DAY, T0 + 10 * DAY],
    ]);
    expect(m.out.edges[1]!.summary).toBe(
      'electricity use far below usual ended: 2 kWh on 2026-11-19, 100% of the usual 2 kWh (median of 7 days), household hh-3',
    );
  });

  test('the median resists one party day of 10 times the usual', () => {
    // The mean of these days is 4.57 kWh; 1 kWh would be below 30% of it, but not of the median.
    const m = meter()
      .days(0, [2, 2, 20, 2, 2, 2, 2, 1])
      .tick(T0 + 8 * DAY);
    expect(m.out.edges).toEqual([]);
    m.days(8, [0.4]).tick(T0 + 9 * DAY);
    expect(m.out.edges.map((e) => [e.kind, e.details.median, e.details.days])).toEqual([['raise', 2, 8]]);
  });

  test('a day with a 5-hour reporting gap is neither judged nor kept', () => {
    const day7 = T0 + 7 * DAY;
    const m = meter()
      .days(0, NORMAL)
      .span(day7, day7 + DAY, 0.2, (t) => t >= day7 + 10 * HOUR && t < day7 + 15 * HOUR)
      .tick(T0 + 8 * DAY);
    expect(m.out.edges).toEqual([]);
    expect(m.state.history.map(([date]) => date)).not.toContain('2026-11-17');
    expect(m.state.history).toHaveLength(7);

    m.days(8, [0.3]).tick(T0 + 9 * DAY);
    expect(m.out.edges.map((e) => [e.kind, e.details.date, e.details.days])).toEqual([['raise', '2026-11-18', 7]]);
  });

  test('a gap while the gateway was down still leaves the day complete', () => {
    const day7 = T0 + 7 * DAY;
    const offline: OfflineSpan[] = [[day7 + 10 * HOUR - 5 * MINUTE, day7 + 15 * HOUR]];
    const m = meter({ ...SHANGHAI, offline })
      .days(0, NORMAL)
      .span(day7, day7 + DAY, 0.2, (t) => t >= day7 + 10 * HOUR && t < day7 + 15 * HOUR)
      .tick(T0 + 8 * DAY);
    // The reading after the gap carried the use during it.
    expect(m.out.edges.map((e) => [e.kind, e.details.dayUse, e.details.date])).toEqual([['raise', 0.2, '2026-11-17']]);
    // Complete, judged, and (the alert being open) not learnt.
    expect(m.state.history).toHaveLength(7);
  });

  test('a gateway down over midnight leaves both days unjudged: their use cannot be split', () => {
    // Down from 06:00 to 06:00 the next day: the evening's use arrives with the next day's first
    // reading, so the first day would look like 25% of usual.
    const day7 = T0 + 7 * DAY;
    const offline: OfflineSpan[] = [[day7 + 6 * HOUR, day7 + 30 * HOUR]];
    const down = (t: number) => t >= day7 + 6 * HOUR && t < day7 + 30 * HOUR;
    const m = meter({ ...SHANGHAI, offline })
      .days(0, NORMAL)
      .span(day7, day7 + 2 * DAY, 4, down)
      .days(9, [2])
      .tick(T0 + 10 * DAY);
    expect(m.out.edges).toEqual([]);
    expect(m.state.history.map(([date]) => date)).toEqual([...NORMAL.map((_, i) => `2026-11-${10 + i}`), '2026-11-19']);
  });

  test('a counter reset mid-day neither raises nor counts negative use', () => {
    const day7 = T0 + 7 * DAY;
    const m = meter()
      .days(0, NORMAL)
      .span(day7, day7 + 12 * HOUR, 1)
      .setCounter(0)
      .span(day7 + 12 * HOUR, day7 + DAY, 1)
      .tick(T0 + 8 * DAY);
    expect(m.out.edges).toEqual([]);
    expect(m.out.anomalies).toEqual([expect.stringMatching(/^energy_kwh went back from [\d.]+ to [\d.]+: a reset or a new meter, counted from [\d.]+$/)]);
    // The interval that held the reset counts as 0, never as -1014 kWh.
    const [, use] = m.state.history.at(-1)!;
    expect(use).toBeCloseTo(2 - 1 / 48, 6);
  });

  test('a counter jumping faster than a household can draw is not taken as use', () => {
    const day7 = T0 + 7 * DAY;
    const m = meter()
      .days(0, NORMAL)
      .span(day7, day7 + 12 * HOUR, 0.2)
      .setCounter(99_999)
      .span(day7 + 12 * HOUR, day7 + DAY, 0.2)
      .tick(T0 + 8 * DAY);
    expect(m.out.anomalies).toEqual([expect.stringContaining('faster than it can: taken as a new baseline')]);
    expect(m.out.edges.map((e) => [e.kind, e.details.dayUse])).toEqual([['raise', 0.4]]);
  });

  test('a DST zone gets its day boundaries right: Europe/Berlin across the last Sunday of October', () => {
    const berlin: GatewayContext = { offline: [], timeZone: 'Europe/Berlin' };
    const start = (date: string, offset: string) => Date.parse(`${date}T00:00:00${offset}`);
    const days = [18, 19, 20, 21, 22, 23, 24, 25].map((d) => start(`2026-10-${d}`, '+02:00'));
    const oct26 = start('2026-10-26', '+01:00');
    const oct25 = days[7]!;
    expect(nextLocalMidnight(oct25, berlin.timeZone) - oct25).toBe(25 * HOUR);

    const m = meter(berlin, days[0]);
    NORMAL.forEach((kwh, i) => m.span(days[i]!, days[i + 1]!, kwh));
    // The 25-hour day, low: its last hour (23:00-24:00 CET) belongs to it too.
    m.span(oct25, oct26, 0.4);
    expect(m.out.wakeAt).toBe(oct26);
    m.tick(oct25 + 24 * HOUR);
    expect(m.out.edges).toEqual([]);
    expect(m.out.wakeAt).toBe(oct26);

    m.tick(oct26);
    expect(m.out.edges.map((e) => [e.kind, e.episode, e.details.date, e.details.dayUse])).toEqual([['raise', oct25, '2026-10-25', 0.4]]);
    expect(m.out.wakeAt).toBe(start('2026-10-27', '+01:00'));
  });

  test('local midnight is found in any zone, including days of 23 hours and days that skip midnight', () => {
    const spring = Date.parse('2026-03-29T00:00:00+01:00');
    expect(startOfLocalDay(Date.parse('2026-03-29T18:30:00+02:00'), 'Europe/Berlin')).toBe(spring);
    expect(nextLocalMidnight(spring, 'Europe/Berlin') - spring).toBe(23 * HOUR);
    expect(startOfLocalDay(Date.parse('2026-11-24T23:59:59.999+08:00'), 'Asia/Shanghai')).toBe(Date.parse('2026-11-24T00:00:00+08:00'));
    // Santiago springs forward at midnight: 6 September 2026 begins at 01:00 (-03).
    const sep6 = Date.parse('2026-09-06T01:00:00-03:00');
    expect(startOfLocalDay(Date.parse('2026-09-06T12:00:00-03:00'), 'America/Santiago')).toBe(sep6);
    expect(nextLocalMidnight(Date.parse('2026-09-05T00:00:00-04:00'), 'America/Santiago')).toBe(sep6);
    expect(nextLocalMidnight(sep6, 'America/Santiago')).toBe(Date.parse('2026-09-07T00:00:00-03:00'));
  });

  test('the state stays small and bounded after 100 days', () => {
    const m = meter().days(
      0,
      Array.from({ length: 100 }, (_, i) => (i % 17 === 16 ? 0.2 : 2 + 0.1 * (i % 5))),
    );
    m.tick(T0 + 100 * DAY);
    expect(m.state.history).toHaveLength(14);
    expect(m.state.history.at(-1)![0]).toBe('2027-02-17');
    expect(JSON.stringify(m.state).length).toBeLessThan(600);
    expect(dailyBaselineStateSchema.parse(m.state)).toEqual(m.state);
    expect(m.out.edges.filter((e) => e.kind === 'raise')).toHaveLength(5);
  });
});

describe('the daily-baseline rule schema', () => {
  const base = { id: 'r', kind: 'daily-baseline', title: 'electricity use far below usual', metric: 'energy_kwh', grade: 'P2' };

  test('fills in the catalogue defaults', () => {
    expect(dailyBaselineRuleSchema.parse(base)).toEqual({ ...base, historyDays: 14, warmupDays: 7, belowRatio: 0.3, clearRatio: 0.5, minMedian: 0.5 });
  });

  test('a long illness keeps the alert open: low days are not learnt as the new usual', () => {
    const m = meter().days(0, [...NORMAL, ...Array(14).fill(0.4)]).tick(T0 + 21 * DAY);
    expect(m.out.edges.map((e) => e.kind)).toEqual(['raise']);
  });

  test('a household living right at the line does not flap: it clears only at half of usual', () => {
    const m = meter().days(0, [...NORMAL, 0.5, 0.7, 0.5, 0.7, 0.9, 1.1]).tick(T0 + 13 * DAY);
    expect(m.out.edges.map((e) => [e.kind, e.details.date])).toEqual([
      ['raise', '2026-11-17'],
      ['clear', '2026-11-22'],
    ]);
  });

  test('clearRatio must be above belowRatio', () => {
    expect(dailyBaselineRuleSchema.safeParse({ ...base, clearRatio: 0.2 }).error?.issues[0]?.path).toEqual(['clearRatio']);
  });

  test('a warm-up longer than the history is an error that names warmupDays', () => {
    const issues = dailyBaselineRuleSchema.safeParse({ ...base, warmupDays: 20 }).error?.issues;
    expect(issues?.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['warmupDays', 'warmupDays 20 is more than historyDays 14: the warm-up fills the history'],
    ]);
  });

  test('rejects gauges, ratios outside (0, 1) and unknown fields', () => {
    expect(dailyBaselineRuleSchema.safeParse({ ...base, metric: 'power_w' }).success).toBe(false);
    expect(dailyBaselineRuleSchema.safeParse({ ...base, belowRatio: 1 }).success).toBe(false);
    expect(dailyBaselineRuleSchema.safeParse({ ...base, belowRatio: 0 }).success).toBe(false);
    expect(dailyBaselineRuleSchema.safeParse({ ...base, historyDays: 2, warmupDays: 2 }).success).toBe(false);
    expect(dailyBaselineRuleSchema.safeParse({ ...base, window: '24h' }).success).toBe(false);
  });
});
