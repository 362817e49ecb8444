import { describe, expect, test } from 'vitest';
import { evaluateRange, rangeRuleSchema } from '../../../../gateway/rules/kinds/range.js';
import { drive, every, DEVICE } from '../../../support/rules/evaluator-driver.js';
import { MINUTE, T0 } from '../../../support/rules/rule-harness.js';

const heartRateInput = {
  id: 'heart-rate', kind: 'range', title: 'heart rate out of range', metric: 'heart_rate_bpm',
  below: 50, above: 120, for: '5m', hysteresis: 5, grade: 'P1',
} as const;
const heartRate = rangeRuleSchema.parse(heartRateInput);
const battery = rangeRuleSchema.parse({ id: 'low-battery', kind: 'range', title: 'low battery', metric: 'battery_pct', below: 15, hysteresis: 5, grade: 'P4' });

describe('range: a value outside a range for a while', () => {
  test.each([
    ['a steady 72 bpm', () => 72, []],
    ['130 bpm for 4 min (then normal) does not raise', (t: number) => (t < T0 + 4 * MINUTE ? 130 : 80), []],
    ['130 bpm for 6 min raises once, after 5 min', () => 130, [['raise', T0 + 5 * MINUTE]]],
    ['45 bpm for 6 min raises once', () => 45, [['raise', T0 + 5 * MINUTE]]],
    ['the exact limits (50 and 120) are inside', (t: number) => (t % 2 ? 50 : 120), []],
  ] as const)('%s', (_, value, expected) => {
    const r = drive(evaluateRange, heartRate, every(T0, T0 + 10 * MINUTE, 30_000, 'heart_rate_bpm', value));
    expect(r.edges.map((e) => [e.kind, e.at])).toEqual(expected);
  });

  test('clears only once back inside by the hysteresis, and never flaps at the edge', () => {
    const values = [130, 130, 130, 130, 130, 130, 130, 130, 130, 130, 130, 118, 121, 117, 122, 114];
    const feed = values.map((v, i) => ({ at: T0 + i * 30_000, metrics: { heart_rate_bpm: v } }));
    const r = drive(evaluateRange, heartRate, feed);
    expect(r.edges.map((e) => e.kind)).toEqual(['raise', 'clear']);
    expect(r.edges[1]!.at).toBe(T0 + 15 * 30_000);
  });

  test('a silent gap inside the run starts the 5 minutes again', () => {
    const feed = [
      ...every(T0, T0 + 3 * MINUTE, 30_000, 'heart_rate_bpm', () => 130),
      ...every(T0 + 10 * MINUTE, T0 + 20 * MINUTE, 30_000, 'heart_rate_bpm', () => 130),
    ];
    const r = drive(evaluateRange, heartRate, feed);
    expect(r.edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 15 * MINUTE]]);
  });

  test('without `for`, low battery raises at the first reading below 15 % and clears at 20 %', () => {
    const r = drive(evaluateRange, battery, [16, 14, 13, 18, 20, 12].map((v, i) => ({ at: T0 + i * MINUTE, metrics: { battery_pct: v } })));
    expect(r.edges.map((e) => [e.kind, e.at])).toEqual([
      ['raise', T0 + MINUTE],
      ['clear', T0 + 4 * MINUTE],
      ['raise', T0 + 5 * MINUTE],
    ]);
    expect(r.edges[0]!.summary).toBe(`low battery: 14 % below 15, household hh-1, device ${DEVICE.deviceId}`);
  });

  test('ticks and readings of other metrics change nothing; an older reading is an anomaly', () => {
    const r = drive(evaluateRange, battery, [{ at: T0, metrics: { battery_pct: 50 } }, { tick: T0 + 1 }, { at: T0 + 2, metrics: { volume_l: 3 } }, { at: T0 - 1, metrics: { battery_pct: 1 } }]);
    expect(r.edges).toEqual([]);
    expect(r.anomalies).toHaveLength(1);
  });

  test('a rule without limits, or with below >= above, is refused naming the field', () => {
    expect(() => rangeRuleSchema.parse({ id: 'x', kind: 'range', title: 't', metric: 'spo2_pct', grade: 'P1' })).toThrow(/give below, above or both/);
    expect(() => rangeRuleSchema.parse({ id: 'x', kind: 'range', title: 't', metric: 'spo2_pct', below: 9, above: 9, grade: 'P1' })).toThrow(/below must be less than above/);
  });
  test('a reading back inside the range breaks the run: 49, then 50-54 asleep for 80 minutes, then 49 raises nothing (issue 14)', () => {
    const band = { ...DEVICE, heartbeatMs: 5 * MINUTE };
    const values = [49, ...Array.from({ length: 16 }, (_, i) => 50 + (i % 5)), 49];
    const feed = values.map((v, i) => ({ at: T0 + i * 5 * MINUTE, metrics: { heart_rate_bpm: v } }));
    expect(drive(evaluateRange, heartRate, feed, band).edges).toEqual([]);
  });

  test('the hysteresis still holds a raised alarm open: 45 for 6 min, then 52 (inside by less than 5) does not clear, 56 does', () => {
    const band = { ...DEVICE, heartbeatMs: 5 * MINUTE };
    const feed = [45, 45, 45, 52, 52, 56].map((v, i) => ({ at: T0 + i * 3 * MINUTE, metrics: { heart_rate_bpm: v } }));
    const r = drive(evaluateRange, heartRate, feed, band);
    expect(r.edges.map((e) => [e.kind, (e.at - T0) / MINUTE])).toEqual([
      ['raise', 6],
      ['clear', 15],
    ]);
  });

  test('"for 5 min" with readings 5 min apart raises at the second high reading, though it came 3 s early (slack: a tenth of the report interval)', () => {
    const band = { ...DEVICE, heartbeatMs: 5 * MINUTE };
    const feed = [
      { at: T0, metrics: { heart_rate_bpm: 130 } },
      { at: T0 + 5 * MINUTE - 3_000, metrics: { heart_rate_bpm: 131 } },
      { at: T0 + 10 * MINUTE - 3_000, metrics: { heart_rate_bpm: 132 } },
    ];
    expect(drive(evaluateRange, heartRate, feed, band).edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 5 * MINUTE - 3_000]]);
    // Early by more than the slack (40 s of a 30 s slack): not yet.
    const early = [feed[0]!, { at: T0 + 5 * MINUTE - 40_000, metrics: { heart_rate_bpm: 131 } }];
    expect(drive(evaluateRange, heartRate, early, band).edges).toEqual([]);
    // The slack is settable per rule.
    const strict = rangeRuleSchema.parse({ ...heartRateInput, forSlack: '1s' });
    expect(drive(evaluateRange, strict, feed, band).edges.map((e) => e.at)).toEqual([T0 + 10 * MINUTE - 3_000]);
  });

  test('one reading outside is never a run of 5 min, whatever the slack', () => {
    const slackAll = rangeRuleSchema.parse({ ...heartRateInput, forSlack: '10m' });
    expect(drive(evaluateRange, slackAll, [{ at: T0, metrics: { heart_rate_bpm: 140 } }]).edges).toEqual([]);
  });
});
