/**
 * Properties of the device-silent rule against a slow model written from its definition
 * (shared/DESIGN.md section 5, DeviceSilentRule's doc comment):
 *
 * The condition holds at instant T when the device has sent nothing (no reading of any kind)
 * for `factor` x heartbeat of the time the gateway was running since its last reading. Boundary,
 * as the doc comment and the example test read it: after exactly factor x heartbeat the device
 * IS silent (so, unlike the window rules' "gap over 2 x heartbeat", equality counts here).
 * The alert is raised on a tick (no reading announces silence) and ends at the next reading.
 * Its episode is the start of the silence, the last reading.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { deviceSilentRuleSchema, deviceSilentStateSchema, evaluateDeviceSilent, type DeviceSilentRule } from '../../../../gateway/rules/kinds/device-silent.js';
import type { OfflineSpan } from '../../../../lib/time/offline-spans.js';
import {
  HOUR,
  MINUTE,
  T0,
  brief,
  feed,
  fcParams,
  online,
  oracleReadings,
  randomSchedule,
  scenarioArb,
  silence,
  silentUntil,
  type Condition,
  type Ev,
  type Scenario,
} from '../../../support/rules/window-oracle.js';
import { defineWindowProperties } from '../../../support/rules/window-properties.js';

const factorArb = fc.constantFrom(2, 1, 1.5, 3);

const caseArb = fc.record({
  // Every reading counts, whatever it carries (there is no metric to miss).
  sc: scenarioArb({ step: fc.integer({ min: 0, max: 100 }), factor: factorArb, otherMetrics: false, absences: true }),
});
type Case = { sc: Scenario<number> };

function model(sc: Scenario<unknown>): Condition {
  // Silent once MORE than factor x heartbeat passed (as the window rules see it): from 1 ms past.
  const limit = sc.factor * sc.heartbeatMs + 1;
  return {
    sees: () => true,
    holds: (seen, at) => silence(sc.offline, seen[seen.length - 1]!.at, at) >= limit,
    turnsTrueAt: (seen) => [silentUntil(sc.offline, seen[seen.length - 1]!.at, limit)],
    clears: () => true,
    episode: (seen) => seen[seen.length - 1]!.at,
  };
}

const ruleFor = (factor: number): DeviceSilentRule =>
  deviceSilentRuleSchema.parse({ id: 'device-silent', kind: 'device-silent', title: 'device silent', factor, grade: 'P4' });

function setup(c: Case) {
  const rule = ruleFor(c.sc.factor);
  const readings = oracleReadings(
    c.sc,
    c.sc.readings.map((r) => r.step),
  );
  const cond = model(c.sc);
  const events = randomSchedule(c.sc, readings, cond);
  const run = feed(evaluateDeviceSilent, rule, c.sc, 'battery_pct', events);
  return { rule, readings, cond, events, run };
}

const params = fcParams(200);

describe('device silent, properties against a slow model', () => {
  defineWindowProperties({
    caseArb,
    setup,
    evaluate: evaluateDeviceSilent,
    metric: 'battery_pct',
    stateSchema: deviceSilentStateSchema,
    params,
    names: {
      neverEarly: 'never early: every raise is at a tick after more than factor x heartbeat of listening without a reading, with no alert open',
      neverLate: 'never late: it raises at the first tick at which the device is silent (a tick at the due instant raises then)',
      clears: 'the next reading clears it, and nothing else does',
      drivenLikeEngine: 'driven like the engine, it raises 1 ms past lastSeen + factor x heartbeat + the downtime in between, naming lastSeen',
    },
    // Every reading counts (there is no metric to miss), and the episode is checked by the engine-driven test.
    ignoresOtherReadings: false,
    engineEpisodes: true,
    ruleTests: () => {
      test('a tick at lastSeen + factor x heartbeat (+ downtime) raises nothing; a tick 1 ms later raises', () => {
        const arb = fc.record({
          heartbeatMs: fc.constantFrom(MINUTE, 15 * MINUTE, HOUR),
          factor: factorArb,
          /** The gateway down after the reading: [start, length] in thousandths of the limit. */
          downs: fc.array(fc.tuple(fc.integer({ min: 0, max: 1200 }), fc.integer({ min: 1, max: 3000 })), { maxLength: 3 }),
        });
        fc.assert(
          fc.property(arb, ({ heartbeatMs, factor, downs }) => {
            const limit = factor * heartbeatMs + 1;
            const offline: OfflineSpan[] = [];
            let at = T0;
            for (const [start, length] of downs) {
              const a = at + Math.floor((limit * start) / 1000);
              const b = a + Math.floor((limit * length) / 1000) + 1;
              offline.push([a, b]);
              at = b;
            }
            const due = silentUntil(offline, T0, limit);
            const sc: Scenario<number> = { heartbeatMs, factor, limitMs: limit, windowMs: limit, readings: [], offline, away: null, ticks: [], due: [], horizon: due };
            const events: Ev[] = [{ type: 'reading', at: T0, value: 80 }];
            if (online(offline, due - 1)) events.push({ type: 'tick', at: due - 1 });
            events.push({ type: 'tick', at: due });
            const run = feed(evaluateDeviceSilent, ruleFor(factor), sc, 'battery_pct', events);
            expect(brief(run.edges, true)).toEqual([`raise@${due - T0}#0`]);
            // The definition, checked once more: the listening time is exactly the limit then.
            expect(silence(offline, T0, due)).toBe(limit);
          }),
          params,
        );
      });

      test('never raises while readings keep coming within factor x heartbeat, however ticks fall', () => {
        const arb = fc.record({
          heartbeatMs: fc.constantFrom(MINUTE, 15 * MINUTE, HOUR),
          factor: factorArb,
          gaps: fc.array(
            fc.record({
              /** Thousandths of the limit, up to 1 ms short of it. */
              gap: fc.integer({ min: 0, max: 1000 }),
              ticks: fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 3 }),
              down: fc.option(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 })), { freq: 4 }),
            }),
            { minLength: 1, maxLength: 40 },
          ),
        });
        fc.assert(
          fc.property(arb, ({ heartbeatMs, factor, gaps }) => {
            const limit = factor * heartbeatMs;
            const events: Ev[] = [{ type: 'reading', at: T0, value: 80 }];
            const offline: OfflineSpan[] = [];
            let at = T0;
            for (const g of gaps) {
              const dt = Math.min(limit - 1, Math.floor((limit * g.gap) / 1000));
              if (g.down && dt > 1) {
                const a = at + Math.floor((dt * g.down[0]) / 1000);
                const b = Math.min(at + dt, a + Math.max(1, Math.floor((dt * g.down[1]) / 1000)));
                if (b > a) offline.push([a, b]);
              }
              for (const f of [...g.ticks].sort((x, y) => x - y)) {
                const t = at + Math.floor((dt * f) / 1000);
                if (online(offline, t)) events.push({ type: 'tick', at: t });
              }
              at += dt;
              events.push({ type: 'reading', at, value: 80 });
            }
            const sc: Scenario<number> = { heartbeatMs, factor, limitMs: limit, windowMs: limit, readings: [], offline, away: null, ticks: [], due: [], horizon: at };
            expect(feed(evaluateDeviceSilent, ruleFor(factor), sc, 'battery_pct', events).edges).toEqual([]);
          }),
          params,
        );
      });

      test('the state stays small: the last reading and the open episode, nothing more', () => {
        fc.assert(
          fc.property(caseArb, (c) => {
            const { run } = setup(c);
            for (const s of run.states) expect(Object.keys(s).sort()).toEqual(['lastSeenAt', 'openEpisode']);
          }),
          fcParams(50),
        );
      });
    },
  });
});
