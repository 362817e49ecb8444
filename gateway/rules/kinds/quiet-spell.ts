import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { localParts } from '../../../lib/time/local-time.js';
import { METRICS, isCounter, metricSchema } from '../../../contract/metrics.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { awayDuring, isAway, windowFloor } from '../measures/absence.js';
import { counterIncrease, EPSILON } from '../measures/counter-increase.js';
import { rememberSpell, usualQuietLimit, type Spell, type SpellLearning } from '../measures/quiet-spells.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema, corroborationSchema } from './kind-api.js';
import { corroboratedGrade } from '../measures/signs-of-life.js';
import type { Evaluate, GatewayContext, HouseholdContext, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';

/** Use within this span that reaches `minDraw` is a draw (a flush, a wash); less is a drip. */
const DRAW_SPAN_MS = 15 * 60_000;

/**
 * A quiet spell of a counter beyond what this household makes of it: no draw (at least `minDraw`
 * of `metric` within 15 minutes: a flush, a wash, not a dripping tap) for longer than the
 * household's own quiet spells at that time of day (learned, `learn`), and never longer than
 * `window`, the pilots' fixed figure, which also applies until the household is learned. The
 * catalogue's "no water use": a low water user's few draws a day are life, and her nights are hers.
 */
export const quietSpellRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('quiet-spell'),
    title: z.string().min(1).max(80),
    metric: metricSchema.refine(isCounter, 'quiet-spell needs a counter metric such as volume_l'),
    /** The longest a spell may last before it alarms: the fixed figure, and the ceiling of the learned one. */
    window: durationSchema,
    /** Use within 15 minutes that counts as a draw, in the metric's unit. @default 1 */
    minDraw: z.number().positive().default(1),
    /** Learn the household's own spells; absent = the window alone. */
    learn: z
      .object({
        /** Watched this long before its spells are trusted. @default 3d */
        warmup: durationSchema.default(3 * 86_400_000),
        /** Spells remembered this far back. @default 14d */
        history: durationSchema.default(14 * 86_400_000),
        /** Alarm beyond this many times the longest usual spell. @default 1.5 */
        factor: z.number().min(1).max(10).default(1.5),
        /** Never sooner than this after the last draw. @default 4h */
        floor: durationSchema.default(4 * 3_600_000),
        /** Spells that began within this of the current one's time of day count as "at that time". @default 2h */
        around: durationSchema.default(2 * 3_600_000),
      })
      .strict()
      .optional(),
    grade: gradeSchema,
    /** Another device of the household showing life meanwhile lowers the grade. @default none */
    corroboration: corroborationSchema,
    cooldown: cooldownSchema,
  })
  .strict()
  .refine((r) => !r.learn || r.learn.floor <= r.window, { message: 'learn.floor must not be longer than window', path: ['learn', 'floor'] });
export type QuietSpellRule = z.output<typeof quietSpellRuleSchema>;

const spellSchema = z.tuple([z.number(), z.number(), z.number()]);

/** State of one (quiet-spell rule, meter): the counter, when it was last drawn from, and the spells it had. */
export const quietSpellStateSchema = z.object({
  lastValue: z.number(),
  peak: z.number(),
  lastSeenAt: z.number(),
  /** Start of the current unbroken run of reports (reset by a gap over 2 x heartbeat). */
  seenSince: z.number(),
  /** First reading: the warm-up counts from here. */
  watchedSince: z.number(),
  /** When the current spell began (the last draw, or the start of the run of reports) and its local minute of day. */
  spellStart: z.number(),
  spellMinute: z.number(),
  /** Whether the current spell began with a draw (a spell since a silent meter came back is not learned). */
  spellFromDraw: z.boolean(),
  /** Use of the last 15 minutes that did not reach a draw yet: [at, increase]. */
  pending: z.array(z.tuple([z.number(), z.number()])),
  /** Finished spells over an hour: [start, length, minute of day]. */
  spells: z.array(spellSchema),
  /** The open alert's episode, or null. */
  openEpisode: z.number().nullable(),
});
export type QuietSpellState = z.infer<typeof quietSpellStateSchema>;

const minuteOf = (at: number, gateway: GatewayContext): number => localParts(at, gateway.timeZone).minuteOfDay;

/** How long the current spell may last, and what it was judged by. */
function limitOf(rule: QuietSpellRule, s: QuietSpellState, at: number): { limit: number; longestUsual: number | null } {
  if (!rule.learn || at - s.watchedSince < rule.learn.warmup) return { limit: rule.window, longestUsual: null };
  return usualQuietLimit(s.spells as Spell[], s.spellMinute, rule.learn as SpellLearning, rule.window);
}

export function quietSpellDueAt(rule: QuietSpellRule, s: QuietSpellState, at: number, floor = Number.NEGATIVE_INFINITY): number {
  return Math.max(s.spellStart, floor) + limitOf(rule, s, at).limit;
}

const silentFor = (s: QuietSpellState, at: number, gateway: GatewayContext): number => silenceBetween(gateway.offline, s.lastSeenAt, at);
const round = (n: number): number => Math.round(n * 100) / 100;
const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
const iso = (ms: number): string => new Date(ms).toISOString();

export const evaluateQuietSpell: Evaluate<QuietSpellRule, QuietSpellState> = (rule, prev, input, { device, gateway, household }): Step<QuietSpellState> | undefined => {
  if (input.type === 'tick') {
    if (!prev || prev.openEpisode !== null) return undefined;
    const dueAt = quietSpellDueAt(rule, prev, input.at, windowFloor(household, input.at));
    if (input.at < dueAt) return { state: prev, wakeAt: dueAt };
    if (silentFor(prev, input.at, gateway) > 2 * device.heartbeatMs) return { state: prev };
    return raise(rule, prev, input.at, dueAt, device, household);
  }

  const { reading } = input;
  const value = reading.metrics[rule.metric];
  if (value === undefined) return undefined;

  if (!prev) {
    const at = reading.at;
    const state: QuietSpellState = {
      lastValue: value,
      peak: value,
      lastSeenAt: at,
      seenSince: at,
      watchedSince: at,
      spellStart: at,
      spellMinute: minuteOf(at, gateway),
      spellFromDraw: false,
      pending: [],
      spells: [],
      openEpisode: null,
    };
    return { state, wakeAt: quietSpellDueAt(rule, state, at, windowFloor(household, at)) };
  }

  // A reading stamped before the last one (a clock stepped back) must not move time backwards.
  const at = Math.max(reading.at, prev.lastSeenAt);
  const cameBack = silentFor(prev, at, gateway) > 2 * device.heartbeatMs;
  const counted = counterIncrease(rule.metric, prev.lastValue, prev.peak, value, at - prev.lastSeenAt);
  let anomaly = counted.anomaly;
  if (counted.increase > 0 && isAway(household, at)) {
    anomaly = `${round(counted.increase)} ${METRICS[rule.metric].unit} used while the household is reported away`;
  }

  const pending = prev.pending.filter(([t]) => t > at - DRAW_SPAN_MS);
  if (counted.increase > 0) pending.push([at, counted.increase]);
  let drawn = 0;
  for (const [, inc] of pending) drawn += inc;
  const isDraw = drawn >= rule.minDraw - EPSILON;

  let state: QuietSpellState = { ...prev, lastValue: value, peak: counted.peak, lastSeenAt: at, pending: isDraw ? [] : pending };
  if (cameBack) {
    // What happened while the meter was silent is not known: a new run, and a spell not to learn from.
    state = { ...state, seenSince: at, spellStart: at, spellMinute: minuteOf(at, gateway), spellFromDraw: false };
  }
  if (isDraw) {
    const learnable = state.spellFromDraw && !cameBack && prev.openEpisode === null && !awayDuring(household, state.spellStart, at);
    const spells = rule.learn && learnable
      ? rememberSpell(state.spells as Spell[], [state.spellStart, at - state.spellStart, state.spellMinute], at, rule.learn.history)
      : state.spells;
    state = { ...state, spells, spellStart: at, spellMinute: minuteOf(at, gateway), spellFromDraw: true };
  }

  const dueAt = quietSpellDueAt(rule, state, at, windowFloor(household, at));
  if (state.openEpisode !== null) {
    if (!isDraw) return { state, anomaly };
    const unit = METRICS[rule.metric].unit;
    return {
      anomaly,
      state: { ...state, openEpisode: null },
      wakeAt: dueAt,
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: ${round(drawn)} ${unit} drawn at ${iso(at)}, household ${device.householdId}`,
        details: { drawn: round(drawn), unit },
      },
    };
  }
  if (at < dueAt) return { state, anomaly, wakeAt: dueAt };
  return { ...raise(rule, state, at, dueAt, device, household), anomaly };
};

function raise(rule: QuietSpellRule, state: QuietSpellState, at: number, dueAt: number, device: DeviceContext, household: HouseholdContext | undefined): Step<QuietSpellState> {
  const corroborated = corroboratedGrade(rule.corroboration, household, device.deviceId, at);
  const { limit, longestUsual } = limitOf(rule, state, at);
  const usual =
    longestUsual === null
      ? `the fixed ${formatDuration(rule.window)}`
      : `this household's quiet spells beginning around then lasted at most ${hours(longestUsual)}`;
  const quietFor = hours(at - state.spellStart);
  return {
    state: { ...state, openEpisode: dueAt },
    edge: {
      kind: 'raise',
      episode: dueAt,
      summary: `${rule.title}: none drawn for ${quietFor} (${usual}), household ${device.householdId}, device ${device.deviceId}${corroborated.note}`,
      ...(corroborated.grade ? { grade: corroborated.grade } : {}),
      details: {
        quietSince: iso(state.spellStart),
        sinceDraw: state.spellFromDraw,
        limit: hours(limit),
        learned: longestUsual !== null,
        longestUsual: longestUsual === null ? null : hours(longestUsual),
        longestUsualMs: longestUsual,
        window: formatDuration(rule.window),
        counter: state.lastValue,
        ...corroborated.details,
      },
    },
  };
}

export const shiftQuietSpell = (s: QuietSpellState, d: number): QuietSpellState => ({
  ...s,
  lastSeenAt: s.lastSeenAt + d,
  seenSince: s.seenSince + d,
  watchedSince: s.watchedSince + d,
  spellStart: s.spellStart + d,
  pending: s.pending.map(([t, inc]) => [t + d, inc] as [number, number]),
  spells: s.spells.map(([t, len, m]) => [t + d, len, m] as Spell),
});

export const quietSpellKind = defineKind({
  ruleSchema: quietSpellRuleSchema,
  stateSchema: quietSpellStateSchema,
  evaluate: evaluateQuietSpell,
  shift: shiftQuietSpell,
  stateOutlivesChanges: true,
});
