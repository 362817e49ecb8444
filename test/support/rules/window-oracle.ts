/**
 * Slow, obviously-correct models for property tests of the "nothing happened for a while" rules
 * (counter-idle, no-change, device-silent), and the two ways of feeding an evaluator that the
 * properties compare against them: a random schedule of readings and ticks, and a schedule driven
 * the way the engine drives (a tick only at the `wakeAt` asked for, and at every gateway restart).
 *
 * Nothing here is derived from the evaluators: a condition is written from its definition
 * (shared/DESIGN.md section 5 and the rule's doc comment) as a predicate over all readings seen so
 * far, evaluated by brute force.
 */
import fc from 'fast-check';
import type { Metric } from '../../../contract/metrics.js';
import type { Edge, Evaluate, RuleContext } from '../../../gateway/rules/kinds/kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import type { OfflineSpan } from '../../../lib/time/offline-spans.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
/** 2026-11-23 00:00 in Shanghai. */
export const T0 = Date.parse('2026-11-23T00:00:00+08:00');

/**
 * fast-check parameters for every property: FC_SEED=<n> in the environment replays a run (with
 * the path fast-check prints, FC_PATH=<path>), FC_RUNS=<n> searches longer.
 */
export function fcParams(numRuns = 200): { numRuns: number; seed?: number; path?: string } {
  const { FC_SEED, FC_PATH, FC_RUNS } = process.env;
  return {
    numRuns: FC_RUNS ? Number(FC_RUNS) : numRuns,
    ...(FC_SEED ? { seed: Number(FC_SEED) } : {}),
    ...(FC_SEED && FC_PATH ? { path: FC_PATH } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Time, silence and absence, from their definitions.
// ---------------------------------------------------------------------------------------------

const mergedSpans = new WeakMap<readonly OfflineSpan[], Array<[number, number]>>();

/** How much of [from, to] lies inside the union of the spans (merged first, so overlaps count once). */
export function downtime(spans: readonly OfflineSpan[], from: number, to: number): number {
  let merged = mergedSpans.get(spans);
  if (!merged) {
    merged = [];
    for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b);
      else merged.push([a, b]);
    }
    mergedSpans.set(spans, merged);
  }
  let total = 0;
  for (const [a, b] of merged) {
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (hi > lo) total += hi - lo;
  }
  return total;
}

/** Time in [from, to] the device said nothing while the gateway was listening. */
export function silence(spans: readonly OfflineSpan[], from: number, to: number): number {
  return to - from - downtime(spans, from, to);
}

/** The gateway was running at `t` (a span is down strictly between its ends). */
export function online(spans: readonly OfflineSpan[], t: number): boolean {
  return !spans.some(([a, b]) => a < t && t < b);
}

/**
 * The first instant at or after `from` at which `limit` of listening time has passed, found by
 * walking through the spans (deliberately not by solving silence(...) = limit).
 */
export function silentUntil(spans: readonly OfflineSpan[], from: number, limit: number): number {
  let at = from;
  let left = limit;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (b <= at) continue;
    if (a > at) {
      if (a - at >= left) return at + left;
      left -= a - at;
    }
    at = Math.max(at, b);
  }
  return at + left;
}

export interface Away {
  from: number;
  until: number;
}

/**
 * The earliest start of a "nothing happened" window judged at `at` (HouseholdContext.away): once
 * an absence has begun, windows start again at its end; before it begins it changes nothing.
 */
export function floorAt(away: Away | null, at: number): number {
  return away !== null && at >= away.from ? away.until : Number.NEGATIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------
// Scenarios.
// ---------------------------------------------------------------------------------------------

/** A reading as the models see it; value undefined = a reading without the rule's metric. */
export interface OracleReading {
  at: number;
  value: number | undefined;
}

export type Ev = { type: 'reading'; at: number; value: number | undefined } | { type: 'tick'; at: number };

export interface Scenario<V> {
  heartbeatMs: number;
  /** device-silent's factor (window kinds ignore it). */
  factor: number;
  /** The silence the generator aims its gap lengths at (2 x heartbeat, or factor x heartbeat). */
  limitMs: number;
  windowMs: number;
  /** Non-decreasing times (two readings may share a millisecond); `step` becomes a value in the test. */
  readings: Array<{ at: number; step: V; otherMetricOnly: boolean }>;
  /** Disjoint; no reading or tick falls strictly inside one (readings are stamped on receipt). */
  offline: OfflineSpan[];
  away: Away | null;
  /** ticks[k]: random ticks after reading k and up to the next (the last: up to `horizon`). */
  ticks: number[][];
  /** due[k]: also tick at the model's first qualifying instant after reading k. */
  due: boolean[];
  horizon: number;
}

type Gap =
  | { kind: 'normal'; permille: number }
  | { kind: 'atLimit' }
  | { kind: 'justOver' }
  | { kind: 'justUnder' }
  | { kind: 'long'; permille: number }
  | { kind: 'burst'; ms: number };

const gapArb: fc.Arbitrary<Gap> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.record({ kind: fc.constant('normal' as const), permille: fc.integer({ min: 1, max: 1000 }) }), weight: 12 },
  { arbitrary: fc.record({ kind: fc.constant('atLimit' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('justOver' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('justUnder' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('long' as const), permille: fc.integer({ min: 0, max: 2000 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('burst' as const), ms: fc.integer({ min: 0, max: 1000 }) }), weight: 1 },
);

function gapMs(g: Gap, limit: number, window: number): number {
  switch (g.kind) {
    case 'normal':
      return Math.max(1, Math.floor((limit * g.permille) / 1000)); // up to the limit
    case 'atLimit':
      return limit;
    case 'justOver':
      return limit + 1;
    case 'justUnder':
      return limit - 1;
    case 'long':
      return limit + 1 + Math.floor((window * g.permille) / 1000);
    case 'burst':
      return g.ms;
  }
}

/** `arb` once in `n` times, null otherwise (shrinks towards null). */
function sometimes<T>(arb: fc.Arbitrary<T>, n: number): fc.Arbitrary<T | null> {
  return fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(null), weight: n - 1 }, { arbitrary: arb, weight: 1 });
}

const permille = fc.integer({ min: 0, max: 1000 });
/** Shrinks to false. */
const mostlyTrue = fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(false), weight: 1 }, { arbitrary: fc.constant(true), weight: 3 });

export interface ScenarioOptions<V> {
  step: fc.Arbitrary<V>;
  /** Heartbeat x this is the limit gaps are aimed at; window kinds: 2. */
  factor: fc.Arbitrary<number>;
  maxReadings?: number;
  /** Readings without the rule's metric (the evaluator must ignore them). */
  otherMetrics?: boolean;
  /** A reported absence (HouseholdContext.away). */
  absences?: boolean;
}

export function scenarioArb<V>(o: ScenarioOptions<V>): fc.Arbitrary<Scenario<V>> {
  const stepArb = fc.record({
    gap: gapArb,
    step: o.step,
    otherMetricOnly: o.otherMetrics ? fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(false), weight: 15 }, { arbitrary: fc.constant(true), weight: 1 }) : fc.constant(false),
    /** The gateway was down for part of the gap before this reading. */
    offline: sometimes(fc.record({ start: permille, length: fc.integer({ min: 1, max: 1000 }) }), 8),
    ticks: fc.array(permille, { maxLength: 2 }),
    due: mostlyTrue,
  });
  return fc
    .record({
      heartbeatMs: fc.constantFrom(MINUTE, 15 * MINUTE, HOUR),
      factor: o.factor,
      windowBeats: fc.integer({ min: 2, max: 10 }),
      windowExtraPermille: permille,
      steps: fc.array(stepArb, { minLength: 1, maxLength: o.maxReadings ?? 60, size: 'max' }),
      /** The gateway down after the last reading (up to twice; each within 1.5 x limit of the one before). */
      tailOffline: fc.array(fc.record({ after: fc.integer({ min: 0, max: 1500 }), length: fc.integer({ min: 1, max: 1500 }) }), { maxLength: 2 }),
      tailTicks: fc.array(permille, { maxLength: 3 }),
      tailDue: mostlyTrue,
      /** Begins somewhere from half the readings' span before the first reading to the last. */
      away: o.absences ? sometimes(fc.record({ start: fc.integer({ min: -500, max: 1000 }), length: fc.integer({ min: 1, max: 2000 }) }), 3) : fc.constant(null),
    })
    .map((g) => {
      const limitMs = Math.round(g.factor * g.heartbeatMs);
      // Whole minutes, so that the rule's duration text ("137m") is exact.
      const windowMs = g.windowBeats * g.heartbeatMs + Math.floor((g.windowExtraPermille * g.heartbeatMs) / 1000 / MINUTE) * MINUTE;
      const readings: Scenario<V>['readings'] = [];
      const offline: OfflineSpan[] = [];
      let at = T0;
      g.steps.forEach((s, i) => {
        if (i > 0) {
          const dt = gapMs(s.gap, limitMs, windowMs);
          if (s.offline && dt > 0) {
            const a = at + Math.floor((dt * s.offline.start) / 1000);
            const b = Math.min(at + dt, a + Math.max(1, Math.floor((dt * s.offline.length) / 1000)));
            if (b > a) offline.push([a, b]);
          }
          at += dt;
        }
        readings.push({ at, step: s.step, otherMetricOnly: s.otherMetricOnly });
      });
      const last = readings[readings.length - 1]!.at;
      let downTo = last;
      for (const t of g.tailOffline) {
        const a = downTo + Math.floor((limitMs * t.after) / 1000);
        const b = a + Math.max(1, Math.floor((limitMs * t.length) / 1000));
        offline.push([a, b]);
        downTo = b;
      }
      const horizon = downTo + windowMs + 3 * limitMs;
      const span = (k: number): [number, number] => [readings[k]!.at, k + 1 < readings.length ? readings[k + 1]!.at : horizon];
      const ticks = readings.map((_, k) => {
        const [lo, hi] = span(k);
        const fracs = k + 1 < readings.length ? g.steps[k + 1]!.ticks : g.tailTicks;
        return fracs
          .map((f) => lo + Math.floor(((hi - lo) * f) / 1000))
          .filter((t) => online(offline, t))
          .sort((x, y) => x - y);
      });
      const due = readings.map((_, k) => (k + 1 < readings.length ? g.steps[k + 1]!.due : g.tailDue));
      const total = last - T0;
      const away = g.away ? { from: T0 + Math.floor((total * g.away.start) / 1000), until: 0 } : null;
      if (away && g.away) away.until = away.from + Math.max(1, Math.floor((windowMs * g.away.length) / 1000));
      return { heartbeatMs: g.heartbeatMs, factor: g.factor, limitMs, windowMs, readings, offline, away, ticks, due, horizon };
    });
}

/** What a scenario's readings are worth to the models. */
export function oracleReadings<V>(sc: Scenario<V>, values: ReadonlyArray<number | undefined>): OracleReading[] {
  return sc.readings.map((r, i) => ({ at: r.at, value: r.otherMetricOnly ? undefined : values[i] }));
}

// ---------------------------------------------------------------------------------------------
// The models.
// ---------------------------------------------------------------------------------------------

/**
 * Caches what a model derives from the readings seen so far (they only ever grow by one), so
 * that judging every input stays fast; the cache is used only for an identical prefix.
 */
export function perPrefix<T>(derive: (seen: readonly OracleReading[]) => T): (seen: readonly OracleReading[]) => T {
  const cache = new Map<number, { prefix: OracleReading[]; value: T }>();
  return (seen) => {
    const hit = cache.get(seen.length);
    if (hit && hit.prefix.every((r, i) => r.at === seen[i]!.at && Object.is(r.value, seen[i]!.value))) return hit.value;
    const value = derive(seen);
    cache.set(seen.length, { prefix: seen.map((r) => ({ ...r })), value });
    return value;
  };
}

export interface Condition {
  /** Readings this rule looks at (the evaluator ignores the others). */
  sees(r: OracleReading): boolean;
  /** Whether the alert's condition holds at `at`, given the readings seen so far (all at or before `at`). */
  holds(seen: readonly OracleReading[], at: number): boolean;
  /**
   * The instants after the last reading at which `holds` may turn true: the left ends of the
   * pieces it is made of (restarts of the gateway are added by the caller).
   */
  turnsTrueAt(seen: readonly OracleReading[]): number[];
  /** Whether the newest reading (last of `seen`) ends an open alert. */
  clears(seen: readonly OracleReading[]): boolean;
  /** The episode of a raise at `at`: the moment this spell of the condition began. */
  episode(seen: readonly OracleReading[], at: number): number;
}

export interface OracleEdge {
  kind: 'raise' | 'clear';
  at: number;
  episode: number;
}

/** The first instant in (lo, hi] at which the gateway runs and the condition holds, if any. */
export function firstQualifying(cond: Condition, offline: readonly OfflineSpan[], seen: readonly OracleReading[], lo: number, hi: number): number | undefined {
  const candidates = [...cond.turnsTrueAt(seen), ...offline.map(([, b]) => b)];
  let best: number | undefined;
  for (const c of candidates) {
    if (!(c > lo && c <= hi) || !online(offline, c)) continue;
    if (cond.holds(seen, c) && (best === undefined || c < best)) best = c;
  }
  return best;
}

/**
 * The alert episodes a rule must produce for a given sequence of readings and ticks: an alert is
 * raised at the first input at which the condition holds, and ends at the first reading that
 * clears it.
 */
export function eventOracle(cond: Condition, events: readonly Ev[]): OracleEdge[] {
  const edges: OracleEdge[] = [];
  const seen: OracleReading[] = [];
  let open: OracleEdge | null = null;
  for (const ev of events) {
    if (ev.type === 'reading') {
      const r = { at: ev.at, value: ev.value };
      if (!cond.sees(r)) continue;
      seen.push(r);
      if (open) {
        if (cond.clears(seen)) {
          edges.push({ kind: 'clear', at: ev.at, episode: open.episode });
          open = null;
        }
        continue;
      }
    }
    if (seen.length === 0 || open) continue;
    if (cond.holds(seen, ev.at)) {
      open = { kind: 'raise', at: ev.at, episode: cond.episode(seen, ev.at) };
      edges.push(open);
    }
  }
  return edges;
}

/**
 * The alert episodes in continuous time: raised at the very first instant the condition holds
 * while the gateway runs (where the engine would wake the rule), ended at the first reading
 * that clears it. At the instant of a reading, time is looked at before the reading.
 */
export function continuousOracle(cond: Condition, offline: readonly OfflineSpan[], readings: readonly OracleReading[], horizon: number): OracleEdge[] {
  const edges: OracleEdge[] = [];
  const seen: OracleReading[] = [];
  let open: OracleEdge | null = null;
  const between = (hi: number): void => {
    if (open || seen.length === 0) return;
    const c = firstQualifying(cond, offline, seen, seen[seen.length - 1]!.at, hi);
    if (c === undefined) return;
    open = { kind: 'raise', at: c, episode: cond.episode(seen, c) };
    edges.push(open);
  };
  for (const r of readings) {
    if (!cond.sees(r)) continue;
    between(r.at);
    seen.push(r);
    if (open) {
      if (cond.clears(seen)) {
        edges.push({ kind: 'clear', at: r.at, episode: (open as OracleEdge).episode });
        open = null;
      }
      continue;
    }
    if (cond.holds(seen, r.at)) {
      open = { kind: 'raise', at: r.at, episode: cond.episode(seen, r.at) };
      edges.push(open);
    }
  }
  between(horizon);
  return edges;
}

/**
 * The random schedule of a scenario: every reading, the random ticks after it, and (where the
 * scenario says so) a tick at the model's first qualifying instant after it. A tick at the same
 * instant as the next reading comes before it.
 */
export function randomSchedule<V>(sc: Scenario<V>, readings: readonly OracleReading[], cond: Condition): Ev[] {
  const events: Ev[] = [];
  const seen: OracleReading[] = [];
  readings.forEach((r, k) => {
    events.push({ type: 'reading', at: r.at, value: r.value });
    if (cond.sees(r)) seen.push(r);
    const ticks = [...sc.ticks[k]!];
    const hi = k + 1 < readings.length ? readings[k + 1]!.at : sc.horizon;
    if (sc.due[k] && seen.length > 0) {
      const c = firstQualifying(cond, sc.offline, seen, r.at, hi);
      if (c !== undefined) ticks.push(c);
    }
    ticks.sort((x, y) => x - y);
    for (const t of ticks) events.push({ type: 'tick', at: t });
  });
  return events;
}

// ---------------------------------------------------------------------------------------------
// Feeding an evaluator.
// ---------------------------------------------------------------------------------------------

/** An edge, when, on what input, and the index of that input in `Fed.events`. */
export type FedEdge = Edge & { at: number; on: 'reading' | 'tick'; i: number };

export interface Fed<S> {
  edges: FedEdge[];
  /** The state after every input that changed it. */
  states: S[];
  /** Inputs fed, in order (for the engine-like driver, this is where it ticked). */
  events: Ev[];
  /** Contract breaches seen while driving (e.g. a wake-up asked for in the past after a tick). */
  problems: string[];
}

export interface FeedOptions<S> {
  /** Applied to every state before it is used again, e.g. a JSON round trip through the store. */
  persist?: (s: S) => S;
}

/** The context at `at`: the gateway knows only the downtime that ended by then. */
function contextAt(sc: Scenario<unknown>, device: DeviceContext, at: number): RuleContext {
  return {
    device,
    gateway: { offline: sc.offline.filter(([, b]) => b <= at), timeZone: 'Asia/Shanghai' },
    household: { id: device.householdId, tags: [], absences: sc.away ? [sc.away] : [] },
  };
}

function readingInput(device: DeviceContext, metric: Metric, at: number, value: number | undefined) {
  return {
    type: 'reading' as const,
    reading: { deviceId: device.deviceId, at, metrics: value === undefined ? { battery_pct: 50 } : { [metric]: value } },
  };
}

export function deviceFor(sc: Scenario<unknown>): DeviceContext {
  return { deviceId: 'dev-1', householdId: 'hh-1', heartbeatMs: sc.heartbeatMs };
}

/** Feeds the inputs in order, threading the state (undefined step = unchanged), as the engine does. */
export function feed<R, S>(evaluate: Evaluate<R, S>, rule: R, sc: Scenario<unknown>, metric: Metric, events: readonly Ev[], o: FeedOptions<S> = {}): Fed<S> {
  const device = deviceFor(sc);
  const out: Fed<S> = { edges: [], states: [], events: [...events], problems: [] };
  let state: S | undefined;
  for (const [i, ev] of events.entries()) {
    const input = ev.type === 'tick' ? { type: 'tick' as const, at: ev.at } : readingInput(device, metric, ev.at, ev.value);
    const step = evaluate(rule, state, input, contextAt(sc, device, ev.at));
    if (!step) continue;
    state = o.persist ? o.persist(step.state) : step.state;
    out.states.push(state);
    if (step.edge) out.edges.push({ ...step.edge, at: ev.at, on: ev.type, i });
  }
  return out;
}

/**
 * Drives an evaluator the way the engine does: readings as they come; a tick at the `wakeAt` the
 * last step asked for (at once if that is already past; a tick at the same instant as a reading
 * comes first); none while the gateway is down, and a tick for every (rule, device) when it
 * comes back (RuleEngine.addOffline re-wakes everything). Stops ticking at the horizon.
 */
export function driveLikeEngine<R, S>(
  evaluate: Evaluate<R, S>,
  rule: R,
  sc: Scenario<unknown>,
  metric: Metric,
  readings: readonly OracleReading[],
  o: FeedOptions<S> = {},
): Fed<S> {
  const device = deviceFor(sc);
  const out: Fed<S> = { edges: [], states: [], events: [], problems: [] };
  let state: S | undefined;
  let wake: number | undefined;
  let now = Number.NEGATIVE_INFINITY;

  const apply = (ev: Ev): void => {
    out.events.push(ev);
    now = ev.at;
    const input = ev.type === 'tick' ? { type: 'tick' as const, at: ev.at } : readingInput(device, metric, ev.at, ev.value);
    const step = evaluate(rule, state, input, contextAt(sc, device, ev.at));
    if (!step) {
      if (ev.type === 'tick') wake = undefined; // popped from the wake queue, not asked again
      return;
    }
    state = o.persist ? o.persist(step.state) : step.state;
    out.states.push(state);
    wake = step.wakeAt;
    if (step.edge) out.edges.push({ ...step.edge, at: ev.at, on: ev.type, i: out.events.length - 1 });
    if (ev.type === 'tick' && wake !== undefined && wake <= ev.at) {
      out.problems.push(`after a tick at ${ev.at - T0} the evaluator asked to be woken at ${wake - T0}, not later: the engine would spin`);
      wake = undefined;
    }
  };
  const wakesUpTo = (t: number): void => {
    for (let guard = 0; wake !== undefined && wake <= t; guard++) {
      if (guard > 10_000) throw new Error('wake loop');
      const at = Math.max(wake, now);
      if (!online(sc.offline, at)) {
        wake = undefined; // the gateway is down then; it re-wakes everything when it is back
        break;
      }
      apply({ type: 'tick', at });
    }
  };

  type Stop = { at: number; restart: true } | { at: number; restart: false; value: number | undefined };
  const stops: Stop[] = [
    ...sc.offline.map(([, b]) => ({ at: b, restart: true as const })),
    ...readings.map((r) => ({ at: r.at, restart: false as const, value: r.value })),
  ];
  // A restart at the same instant as a reading comes first (it is a tick).
  stops.sort((x, y) => x.at - y.at || (x.restart === y.restart ? 0 : x.restart ? -1 : 1));
  for (const s of stops) {
    wakesUpTo(s.at);
    if (s.restart) apply({ type: 'tick', at: s.at });
    else apply({ type: 'reading', at: s.at, value: s.value });
  }
  wakesUpTo(sc.horizon);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checks shared by the properties.
// ---------------------------------------------------------------------------------------------

export const brief = (edges: ReadonlyArray<{ kind: string; at: number; episode?: number }>, withEpisode = false): string[] =>
  edges.map((e) => `${e.kind}@${e.at - T0}` + (withEpisode ? `#${(e.episode ?? 0) - T0}` : ''));

/**
 * Raise and clear alternate, starting with a raise; a clear names the episode it ends; every
 * new episode is a new id (later than the last); edges never go back in time.
 */
export function alternationProblems(edges: readonly FedEdge[]): string[] {
  const problems: string[] = [];
  let open: FedEdge | null = null;
  let lastEpisode = Number.NEGATIVE_INFINITY;
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const e of edges) {
    if (e.at < lastAt) problems.push(`${e.kind} at ${e.at - T0} is before the previous edge at ${lastAt - T0}`);
    lastAt = e.at;
    if (e.kind === 'raise') {
      if (open) problems.push(`second raise at ${e.at - T0} while the episode of ${open.at - T0} is open`);
      if (e.episode <= lastEpisode) problems.push(`raise at ${e.at - T0} reuses or goes back to episode ${e.episode - T0} (last ${lastEpisode - T0})`);
      if (e.episode > e.at) problems.push(`raise at ${e.at - T0} names an episode in the future (${e.episode - T0})`);
      lastEpisode = Math.max(lastEpisode, e.episode);
      open = e;
    } else {
      if (!open) problems.push(`clear at ${e.at - T0} without an open raise`);
      else if (e.episode !== open.episode) problems.push(`clear at ${e.at - T0} names episode ${e.episode - T0}, open is ${open.episode - T0}`);
      open = null;
    }
  }
  return problems;
}

/** A JSON round trip through a zod schema, as the state store does. */
export function persistWith<S>(schema: { parse(x: unknown): S }): (s: S) => S {
  return (s) => schema.parse(JSON.parse(JSON.stringify(s)));
}

/**
 * Judges every input of a fed schedule against the model, with the alert open or not as the
 * evaluator's own edges say (so one disagreement does not cascade):
 * - early: a raise at an input where the condition does not hold (or while an alert is open);
 * - late: no raise at an input where the condition holds and no alert is open;
 * - badClear: a clear at an input that does not end the condition;
 * - missedClear: no clear at a reading that ends the condition of an open alert.
 */
export function judge(cond: Condition, events: readonly Ev[], edges: readonly FedEdge[]): Record<'early' | 'late' | 'badClear' | 'missedClear' | 'ignored', string[]> {
  const out = { early: [] as string[], late: [] as string[], badClear: [] as string[], missedClear: [] as string[], ignored: [] as string[] };
  const byInput = new Map(edges.map((e) => [e.i, e]));
  const seen: OracleReading[] = [];
  let open = false;
  for (const [i, ev] of events.entries()) {
    const edge = byInput.get(i);
    const what = `${ev.type} at ${ev.at - T0}`;
    if (ev.type === 'reading') {
      const r = { at: ev.at, value: ev.value };
      if (!cond.sees(r)) {
        if (edge) out.ignored.push(`${edge.kind} on a ${what} without the rule's metric`);
        continue;
      }
      seen.push(r);
    }
    const mustRaise = !open && seen.length > 0 && cond.holds(seen, ev.at);
    const mustClear = open && ev.type === 'reading' && cond.clears(seen);
    if (edge?.kind === 'raise' && !mustRaise) out.early.push(`raise on the ${what}, where the model says ${open ? 'an alert is open' : 'the condition does not hold'}`);
    if (edge?.kind !== 'raise' && mustRaise) out.late.push(`no raise on the ${what}, where the condition holds and no alert is open`);
    if (edge?.kind === 'clear' && !mustClear) out.badClear.push(`clear on the ${what}, which does not end the condition${open ? '' : ' (and no alert is open)'}`);
    if (edge?.kind !== 'clear' && mustClear) out.missedClear.push(`no clear on the ${what}, which ends the condition of the open alert`);
    if (edge) open = edge.kind === 'raise';
  }
  return out;
}
