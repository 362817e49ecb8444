/**
 * Properties of the counter-idle rule ("no water use") against a slow model written from its
 * definition (shared/DESIGN.md section 5, CounterIdleRule's doc comments):
 *
 * The condition holds at instant T when
 *   - use within the window (T - window, T] is less than minIncrease; use is the rise of the
 *     counter above the highest value since the last reset, credited to the reading that shows
 *     it; a fall by more than METRICS.volume_l.resetDrop is a reset (counting restarts there), a
 *     smaller fall and the return from it is jitter and no use; a rise faster than water can flow
 *     (maxRatePerMinute, taken over at least a minute) is a fault and a new baseline, no use;
 *   - the meter was seen the whole window: a reading at or before T - window, no gap between its
 *     readings since then, nor from the last of them to T, of more than 2 x heartbeat once the
 *     time the gateway was down is taken out (exactly 2 x heartbeat is still "seen");
 *   - no reported absence has begun by T whose end is after T - window (absence.ts: windows start
 *     again at its end).
 * Boundaries, as read from the implementation's comments: the window is open at its start (use
 * exactly `window` ago no longer counts, so the alert is due exactly `window` after the use that
 * last reached the threshold), and a use of exactly minIncrease counts as enough.
 * An open alert ends at the first reading after which the window holds minIncrease again; a
 * silent meter does not end it (that is "device silent").
 *
 * Values are whole tenths of a litre, as meters report them; the model adds integers, so it is
 * exact where the evaluator works in binary floating point.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { maxRatePerMinute, resetDrop } from '../../../../contract/metrics.js';
import { counterIdleRuleSchema, counterIdleStateSchema, evaluateCounterIdle, type CounterIdleRule } from '../../../../gateway/rules/kinds/counter-idle.js';
import {
  HOUR,
  MINUTE,
  T0,
  brief,
  driveLikeEngine,
  feed,
  fcParams,
  floorAt,
  oracleReadings,
  perPrefix,
  randomSchedule,
  scenarioArb,
  silence,
  type Condition,
  type Ev,
  type OracleReading,
  type Scenario,
} from '../../../support/rules/window-oracle.js';
import { defineWindowProperties } from '../../../support/rules/window-properties.js';

type Use =
  | { kind: 'none' }
  /** 0.1 .. 3 L */
  | { kind: 'use'; tenths: number }
  /** threshold - 0.1, threshold or threshold + 0.1 in one go */
  | { kind: 'nearThreshold'; offset: number }
  /** up to 90 L: possible in any interval (100 L/min over at least a minute) */
  | { kind: 'big'; tenths: number }
  /** the counter went back (meter replaced or reset) */
  | { kind: 'reset'; permille: number }
  /** back by 0.1 L (a jittery meter) */
  | { kind: 'dip' }
  /** up by 1,000,000 L at once, and stays there (a meter swapped for one further on) */
  | { kind: 'jump' }
  /** one absurd reading (+1,000,000 L), then the real counter again */
  | { kind: 'glitch' };

const useArb: fc.Arbitrary<Use> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.constant({ kind: 'none' as const }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('use' as const), tenths: fc.integer({ min: 1, max: 30 }) }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('nearThreshold' as const), offset: fc.integer({ min: -1, max: 1 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('big' as const), tenths: fc.integer({ min: 31, max: 900 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('reset' as const), permille: fc.integer({ min: 0, max: 999 }) }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'dip' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'jump' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'glitch' as const }), weight: 1 },
);

const ABSURD = 10_000_000; // tenths: 1,000,000 L

const caseArb = fc.record({
  sc: scenarioArb({ step: useArb, factor: fc.constant(2), otherMetrics: true, absences: true }),
  /** First counter value, tenths of a litre: up to 100,000.0 L, sometimes up to a full 99,999.9999 m3 dial. */
  first: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 1_000_000 }), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 999_999_999 }), weight: 1 }),
  /** minIncrease in tenths; the catalogue's 10 L often. */
  threshold: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 200 })),
});
type Case = { sc: Scenario<Use>; first: number; threshold: number };

/** The counter as the meter reports it, in litres (tenths / 10 is the double nearest the decimal). */
function counterValues({ sc, first, threshold }: Case): number[] {
  let base = first;
  return sc.readings.map((r, i) => {
    if (i === 0) return base / 10;
    const s = r.step;
    let shown: number | undefined;
    switch (s.kind) {
      case 'none':
        break;
      case 'use':
      case 'big':
        base += s.tenths;
        break;
      case 'nearThreshold':
        base += Math.max(1, threshold + s.offset);
        break;
      case 'reset':
        base = Math.min(Math.floor((base * s.permille) / 1000), Math.max(0, base - 1));
        break;
      case 'dip':
        base = Math.max(0, base - 1);
        break;
      case 'jump':
        base += ABSURD;
        break;
      case 'glitch':
        shown = base + ABSURD;
        break;
    }
    return (shown ?? base) / 10;
  });
}

interface Model extends Condition {
  /** Use (tenths) within (at - window, at]. */
  used(seen: readonly OracleReading[], at: number): number;
}

function model(sc: Scenario<Use>, threshold: number): Model {
  const W = sc.windowMs;
  const limit = 2 * sc.heartbeatMs;
  const maxTenthsPerMinute = 10 * maxRatePerMinute('volume_l');
  const tenths = (r: OracleReading): number => Math.round(r.value! * 10);
  const resetDropTenths = 10 * resetDrop('volume_l');
  /**
   * Use credited to each reading (tenths): growth above the highest value since the last reset.
   * A fall by more than resetDrop is a reset (counting restarts from there); a smaller fall, and
   * the return from it, is jitter and no use; a rise faster than water flows is a fault and a new
   * baseline.
   */
  const uses = perPrefix((seen): number[] => {
    let peak = tenths(seen[0]!);
    return seen.map((r, j) => {
      if (j === 0) return 0;
      const v = tenths(r);
      if (v < peak - resetDropTenths) {
        peak = v;
        return 0;
      }
      if (v <= peak) return 0;
      const d = v - peak;
      peak = v;
      const minutes = (r.at - seen[j - 1]!.at) / MINUTE;
      return d > maxTenthsPerMinute * Math.max(1, minutes) ? 0 : d;
    });
  });
  /** Start of the unbroken run of reports the last reading belongs to. */
  const runStart = perPrefix((seen): number => {
    let start = seen[0]!.at;
    for (let j = 1; j < seen.length; j++) if (silence(sc.offline, seen[j - 1]!.at, seen[j]!.at) > limit) start = seen[j]!.at;
    return start;
  });
  /** The latest reading from which on the use adds up to the threshold. */
  const lastReach = perPrefix((seen): number => {
    const u = uses(seen);
    let acc = 0;
    for (let j = seen.length - 1; j >= 0; j--) {
      acc += u[j]!;
      if (acc >= threshold) return seen[j]!.at;
    }
    return Number.NEGATIVE_INFINITY;
  });
  const used = (seen: readonly OracleReading[], at: number): number => {
    const u = uses(seen);
    let total = 0;
    seen.forEach((r, j) => {
      if (r.at > at - W && r.at <= at) total += u[j]!;
    });
    return total;
  };
  return {
    used,
    sees: (r) => r.value !== undefined,
    holds(seen, at) {
      const last = seen[seen.length - 1]!;
      return silence(sc.offline, last.at, at) <= limit && runStart(seen) <= at - W && floorAt(sc.away, at) <= at - W && used(seen, at) < threshold;
    },
    turnsTrueAt(seen) {
      const a = Math.max(runStart(seen), lastReach(seen)) + W;
      return sc.away ? [a, Math.max(a, sc.away.until + W)] : [a];
    },
    clears: (seen) => used(seen, seen[seen.length - 1]!.at) >= threshold,
    episode: (seen, at) => Math.max(runStart(seen), lastReach(seen), floorAt(sc.away, at)) + W,
  };
}

function setup(c: Case) {
  const rule: CounterIdleRule = counterIdleRuleSchema.parse({
    id: 'no-water-use',
    kind: 'counter-idle',
    title: 'no water use',
    metric: 'volume_l',
    window: `${c.sc.windowMs / MINUTE}m`,
    minIncrease: c.threshold / 10,
    grade: 'P2',
  });
  expect(rule.window).toBe(c.sc.windowMs);
  const readings = oracleReadings(c.sc, counterValues(c));
  const cond = model(c.sc, c.threshold);
  const events = randomSchedule(c.sc, readings, cond);
  const run = feed(evaluateCounterIdle, rule, c.sc, 'volume_l', events);
  return { rule, readings, cond, events, run };
}

const params = fcParams(200);

describe('counter-idle ("no water use"), properties against a slow model', () => {
  defineWindowProperties({
    caseArb,
    setup,
    evaluate: evaluateCounterIdle,
    metric: 'volume_l',
    stateSchema: counterIdleStateSchema,
    params,
    names: {
      neverEarly: 'never early: every raise is at an input where the window held too little use, seen whole, and no alert was open',
      neverLate: 'never late: it raises at the first reading or tick at which the condition holds (a tick at the due instant raises then)',
      clears: 'clears only at a reading after which the window holds enough use again, and at the first such reading',
      drivenLikeEngine: 'driven like the engine (woken only when it asks, and at restarts), it raises at the very instant the condition begins',
    },
    episode: {
      name: 'a raise names the moment the condition began as its episode, comes within one reading of it, and reports the use the window held',
      details: { got: (edge) => `used ${edge.details.used}`, want: (cond, seen, at) => `used ${cond.used(seen, at) / 10}` },
    },
    ruleTests: () => {
      test('the state stays small: `recent` holds only the latest increases needed to reach the threshold', () => {
        fc.assert(
          fc.property(caseArb, (c) => {
            const { run } = setup(c);
            const problems: string[] = [];
            for (const s of run.states) {
              const inc = s.recent.map(([, v]) => Math.round(v * 10));
              const where = `recent ${JSON.stringify(s.recent)} (threshold ${c.threshold / 10})`;
              if (!inc.every((v) => v > 0)) problems.push(`${where}: holds a non-increase`);
              if (!s.recent.every(([at], k) => k === 0 || at >= s.recent[k - 1]![0])) problems.push(`${where}: out of order`);
              // Without its oldest entry it would no longer reach the threshold ...
              if (inc.slice(1).reduce((a, b) => a + b, 0) >= c.threshold) problems.push(`${where}: keeps more than the threshold needs`);
              // ... so, with increases of at least 0.1 L, it never holds more than minIncrease x 10 entries.
              if (s.recent.length > c.threshold) problems.push(`${where}: longer than minIncrease x 10`);
            }
            expect(problems).toEqual([]);
          }),
          params,
        );
      });

      // FOUND by this suite, and fixed (counter-increase.ts: use counts only above the peak since the
      // last reset; the model above now says the same). Before, a counter that went back was a new
      // baseline, so the return from a dip counted as use: phantom use that hides an elder in
      // trouble. Minimal counterexample (same on
      // every seed tried, e.g. seed 1472376886, path "3:0:1:0:0:3:0:3:3:2"):
      //   Counterexample: [{"heartbeatMs":60000,"windowBeats":3,"threshold":1,"dips":[1]}]
      //   AssertionError: expected [] to deeply equal [ 'raise@180000' ]
      // i.e. minIncrease 0.1 L, window 3 min, heartbeat 1 min; readings 10.0 L at T0, 9.9 L at T0+1m,
      // 10.0 L at T0+2m, and a tick at T0+3m: no water was used and the meter was seen the whole
      // window, yet nothing is raised, because 9.9 -> 10.0 is booked as 0.1 L of use. At the
      // catalogue's 10 L / 24 h, a meter jittering by 0.1 L every 5 min books 14.4 L a day and never
      // raises, however long nobody uses water (checked with drive(): 4 days, no edge).
      test('a counter that dips and comes back to a value it already showed is not use (a glitch is not use)', () => {
        const arb = fc.record({
          heartbeatMs: fc.constantFrom(MINUTE, 5 * MINUTE, 15 * MINUTE),
          windowBeats: fc.integer({ min: 2, max: 20 }),
          threshold: fc.integer({ min: 1, max: 200 }),
          /** dips[i]: how far (tenths) reading i + 1 alone dips below the true counter; none beyond. */
          dips: fc.array(fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 50 }), weight: 1 }), {
            maxLength: 20,
          }),
        });
        fc.assert(
          fc.property(arb, ({ heartbeatMs, windowBeats, threshold, dips }) => {
            const W = windowBeats * heartbeatMs;
            const rule = counterIdleRuleSchema.parse({ id: 'no-water-use', kind: 'counter-idle', title: 'no water use', metric: 'volume_l', window: `${W / MINUTE}m`, minIncrease: threshold / 10, grade: 'P2' });
            // One reading a heartbeat, up to the window's end; a dip never on the first reading.
            const n = windowBeats + 1;
            const events: Ev[] = [];
            for (let i = 0; i < n; i++) {
              if (i === n - 1) events.push({ type: 'tick', at: T0 + W });
              const dip = i === 0 ? 0 : (dips[i - 1] ?? 0);
              events.push({ type: 'reading', at: T0 + i * heartbeatMs, value: (100 - dip) / 10 });
            }
            const sc = { heartbeatMs, factor: 2, limitMs: 2 * heartbeatMs, windowMs: W, readings: [], offline: [], away: null, ticks: [], due: [], horizon: T0 + W };
            const run = feed(evaluateCounterIdle, rule, sc, 'volume_l', events);
            expect(brief(run.edges.filter((e) => e.kind === 'raise'))).toEqual([`raise@${W}`]);
          }),
          params,
        );
      });

      // FOUND by this suite, and fixed (device-silent raises only past factor x heartbeat, as the
      // window rules see it). The two rules
      // disagree on whether a meter is silent exactly 2 x heartbeat after its last reading:
      // counter-idle calls a gap "over 2 x heartbeat" a silence (exactly 2 x is still "seen"), while
      // device-silent raises at exactly factor x heartbeat (silent >= limit). When the window closes
      // exactly two heartbeats after the last reading, the same tick raises both "no water use" and
      // "device silent", against DESIGN section 5 ("else it is 'device silent', not 'no use'").
      // Minimal counterexample (seeds 255784775, -1741249716, 2010443155 all shrink to it):
      //   Counterexample: [{"heartbeatMs":60000,"windowBeats":2,"silentBeats":2}]
      //   AssertionError: expected [ 'raise@120000' ] to deeply equal []
      // i.e. window 2 min, heartbeat 1 min, one reading at T0, the engine's tick at T0+2m raises
      // "no water use" while device-silent raises at that same tick. With the catalogue's defaults
      // (24 h, 15 min heartbeat, readings on the dot from 00:00 to 23:30, no use) both are raised at
      // 24:00 (checked with drive()). Only silentBeats = 2 fails; 3 or more is correctly quiet.
      test('never "no water use" for a meter that "device silent" calls silent at that instant (DESIGN: a silent meter is "device silent", not "no use")', () => {
        const arb = fc.record({
          heartbeatMs: fc.constantFrom(MINUTE, 15 * MINUTE, HOUR),
          windowBeats: fc.integer({ min: 2, max: 12 }),
          /** Readings come one a heartbeat on the dot (a simulator, a polled meter) and stop this many heartbeats before the window closes. */
          silentBeats: fc.integer({ min: 0, max: 4 }),
        });
        fc.assert(
          fc.property(arb, ({ heartbeatMs, windowBeats, silentBeats }) => {
            const count = Math.max(1, windowBeats - silentBeats + 1);
            const W = windowBeats * heartbeatMs;
            const rule = counterIdleRuleSchema.parse({ id: 'no-water-use', kind: 'counter-idle', title: 'no water use', metric: 'volume_l', window: `${W / MINUTE}m`, minIncrease: 10, grade: 'P2' });
            const readings: OracleReading[] = Array.from({ length: count }, (_, i) => ({ at: T0 + i * heartbeatMs, value: 123.4 }));
            const lastSeen = readings[readings.length - 1]!.at;
            const sc = { heartbeatMs, factor: 2, limitMs: 2 * heartbeatMs, windowMs: W, readings: [], offline: [], away: null, ticks: [], due: [], horizon: lastSeen + W + 4 * heartbeatMs };
            const run = driveLikeEngine(evaluateCounterIdle, rule, sc, 'volume_l', readings);
            // device-silent's definition (default factor 2): silent once MORE than 2 x heartbeat passed without a reading.
            const whileSilent = run.edges.filter((e) => e.kind === 'raise' && e.at > lastSeen + 2 * heartbeatMs);
            expect(brief(whileSilent)).toEqual([]);
          }),
          params,
        );
      });
    },
  });
});
