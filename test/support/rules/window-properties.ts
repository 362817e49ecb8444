/**
 * The properties every "nothing happened for a while" rule (counter-idle, no-change,
 * device-silent) must have against its slow model (window-oracle.ts), written once: a rule's
 * property file supplies its cases, its `setup` (rule, readings, model, random schedule and the
 * evaluator's run on it) and the evaluator, and calls defineWindowProperties inside its describe.
 * What only one rule has (its model, the bounded state, boundaries found by the suite) stays in
 * that rule's file, registered through `ruleTests`.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import type { Metric } from '../../../contract/metrics.js';
import type { Evaluate } from '../../../gateway/rules/kinds/kind-api.js';
import {
  T0,
  alternationProblems,
  brief,
  continuousOracle,
  driveLikeEngine,
  feed,
  judge,
  persistWith,
  type Condition,
  type Ev,
  type Fed,
  type FedEdge,
  type OracleReading,
  type Scenario,
  type fcParams,
} from './window-oracle.js';

/** What a rule file's `setup(c)` builds for one case. */
export interface WindowSetup<R, S, M extends Condition> {
  rule: R;
  readings: OracleReading[];
  cond: M;
  /** The random schedule of the case (randomSchedule). */
  events: Ev[];
  /** The evaluator fed `events` (feed). */
  run: Fed<S>;
}

export interface WindowProperties<C extends { sc: Scenario<unknown> }, R, S, M extends Condition> {
  caseArb: fc.Arbitrary<C>;
  setup: (c: C) => WindowSetup<R, S, M>;
  evaluate: Evaluate<R, S>;
  /** The metric the readings carry. */
  metric: Metric;
  /** The state's schema, for the round trip through the store. */
  stateSchema: { parse(x: unknown): S };
  params: ReturnType<typeof fcParams>;
  /** The test names that say what the rule's condition is. */
  names: { neverEarly: string; neverLate: string; clears: string; drivenLikeEngine: string };
  /** The rule ignores readings without its metric: never early also checks it raises nothing on one (default true). */
  ignoresOtherReadings?: boolean;
  /** Driven like the engine, the episodes must match the model's too, not only the raises and clears (default false). */
  engineEpisodes?: boolean;
  /**
   * A raise names the moment the condition began as its episode and comes within one reading of
   * it; `details` adds what else the raise must report (the same text from the edge and the model).
   */
  episode?: {
    name: string;
    details?: { got: (edge: FedEdge) => string; want: (cond: M, seen: readonly OracleReading[], at: number) => string };
  };
  /** Registers the rule's own tests, after the shared ones and before the deterministic one. */
  ruleTests?: () => void;
}

/** Registers the shared properties in the caller's describe. */
export function defineWindowProperties<C extends { sc: Scenario<unknown> }, R, S, M extends Condition>(o: WindowProperties<C, R, S, M>): void {
  const { caseArb, setup, evaluate, metric, params, names } = o;

  test(names.neverEarly, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { cond, events, run } = setup(c);
        const j = judge(cond, events, run.edges);
        if (o.ignoresOtherReadings ?? true) expect([...j.early, ...j.ignored]).toEqual([]);
        else expect(j.early).toEqual([]);
      }),
      params,
    );
  });

  test(names.neverLate, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { cond, events, run } = setup(c);
        expect(judge(cond, events, run.edges).late).toEqual([]);
      }),
      params,
    );
  });

  test(names.clears, () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { cond, events, run } = setup(c);
        const j = judge(cond, events, run.edges);
        expect([...j.badClear, ...j.missedClear]).toEqual([]);
      }),
      params,
    );
  });

  test('raise and clear alternate, a clear ends the raised episode, and every episode is new', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { rule, readings, run } = setup(c);
        expect(alternationProblems(run.edges)).toEqual([]);
        expect(alternationProblems(driveLikeEngine(evaluate, rule, c.sc, metric, readings).edges)).toEqual([]);
      }),
      params,
    );
  });

  test(names.drivenLikeEngine, () => {
    const withEpisode = o.engineEpisodes ?? false;
    fc.assert(
      fc.property(caseArb, (c) => {
        const { rule, readings, cond } = setup(c);
        const run = driveLikeEngine(evaluate, rule, c.sc, metric, readings);
        expect(run.problems).toEqual([]);
        expect(brief(run.edges, withEpisode)).toEqual(brief(continuousOracle(cond, c.sc.offline, readings, c.sc.horizon), withEpisode));
      }),
      params,
    );
  });

  const episode = o.episode;
  if (episode) {
    const details = episode.details;
    test(episode.name, () => {
      fc.assert(
        fc.property(caseArb, (c) => {
          const { cond, events, run } = setup(c);
          const seen: OracleReading[] = [];
          const got: string[] = [];
          const want: string[] = [];
          events.forEach((ev, i) => {
            if (ev.type === 'reading' && ev.value !== undefined) seen.push({ at: ev.at, value: ev.value });
            const edge = run.edges.find((e) => e.i === i);
            if (edge?.kind !== 'raise') return;
            // Not later than the first reading at or after the moment the condition began.
            const next = events.find((e) => e.type === 'reading' && e.value !== undefined && e.at >= edge.episode);
            if (next && ev.at > next.at) got.push(`raise@${ev.at - T0} is after the reading at ${next.at - T0} that followed its episode`);
            got.push(`raise@${ev.at - T0} episode ${edge.episode - T0}` + (details ? ` ${details.got(edge)}` : ''));
            want.push(`raise@${ev.at - T0} episode ${cond.episode(seen, ev.at) - T0}` + (details ? ` ${details.want(cond, seen, ev.at)}` : ''));
          });
          expect(got).toEqual(want);
        }),
        params,
      );
    });
  }

  o.ruleTests?.();

  test('deterministic: the same inputs give the same alerts, also when the state goes through the store between inputs', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const { rule, events, run } = setup(c);
        expect(feed(evaluate, rule, c.sc, metric, events).edges).toEqual(run.edges);
        const stored = feed<R, S>(evaluate, rule, c.sc, metric, events, { persist: persistWith(o.stateSchema) });
        expect(stored.edges).toEqual(run.edges);
      }),
      params,
    );
  });
}
