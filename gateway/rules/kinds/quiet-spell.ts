import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { localParts } from '../../../lib/time/local-time.js';
import { METRICS, isCounter, metricSchema } from '../../../contract/metrics.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { awayDuring, isAway, windowFloor } from '../measures/absence.js';
import { counterIncrease, EPSILON } from '../measures/counter-increase.js';
import { rememberSpell, usualQuietLimit, type Spell, type SpellLearning } from '../measures/quiet-spells.js';
import { gradeSchema, type Grade } from '../../../contract/alert.js';
import { cooldownSchema, corroborationSchema } from './kind-api.js';
import { awayFromHome, corroboratedGrade, otherLifeSensor } from '../measures/signs-of-life.js';
import type { Evaluate, GatewayContext, HouseholdContext, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';

/** Use within this span that reaches `minDraw` is a draw (a flush, a wash); less is a drip. */
const DRAW_SPAN_MS = 15 * 60_000;

/** How a rule learns a household's quiet spells (quiet-spell, and the welfare check's water). */
export const spellLearningSchema = z
  .object({
    /** Watched this long before its spells are trusted. @default 7d */
    warmup: durationSchema.default(7 * 86_400_000),
    /** Spells remembered this far back. @default 14d */
    history: durationSchema.default(14 * 86_400_000),
    /** Alarm beyond this many times the longest usual spell at that time of day. @default 2 */
    factor: z.number().min(1).max(10).default(2),
    /** Never sooner than this after the last draw. @default 4h */
    floor: durationSchema.default(4 * 3_600_000),
    /** A remembered spell covers the times of day from `around` before it began to `around` after it ended. @default 1h */
    around: durationSchema.default(3_600_000),
    /** Once learned, never later than this; @default the rule's window (the pilots' fixed figure). */
    ceiling: durationSchema.optional(),
    /**
     * A raise at the ceiling while the household's own history says such a spell is usual at this
     * time of day (a long night she often has) is a call to check: it takes this grade, and is
     * raised again at the rule's grade once the spell is beyond its usual (at most twice the
     * ceiling). @default P4
     */
    habitGrade: gradeSchema.default('P4'),
  })
  .strict();
export type SpellLearningConfig = z.output<typeof spellLearningSchema>;

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
    learn: spellLearningSchema.optional(),
    grade: gradeSchema,
    /**
     * When the rule's grade applies (a dispatch): from `after` of quiet (counted from the last sign
     * of life: the draw, or the door used after it); a raise before it is a call to check
     * (learn.habitGrade, P4), raised again at the rule's grade then. `inHomesWithDoor: false`: in a
     * home whose door contact is known, the welfare check (water and door quiet together) is the
     * dispatch, and this rule only calls to check. Absent = the rule's grade at once (its habit aside).
     */
    dispatch: z.object({ after: durationSchema, inHomesWithDoor: z.boolean().default(true) }).strict().optional(),
    /** Another device of the household showing life meanwhile lowers the grade. @default none */
    corroboration: corroborationSchema,
    cooldown: cooldownSchema,
  })
  .strict()
  .refine((r) => !r.learn || r.learn.floor <= (r.learn.ceiling ?? r.window), { message: 'learn.floor must not be longer than the window (or learn.ceiling)', path: ['learn', 'floor'] });
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
  /** An open call to check (raised within the household's habit) is raised again at the rule's grade then. */
  escalateAt: z.number().nullable().optional(),
});
export type QuietSpellState = z.infer<typeof quietSpellStateSchema>;

const minuteOf = (at: number, gateway: GatewayContext): number => localParts(at, gateway.timeZone).minuteOfDay;

/** How long the current spell may last: judged by what was known when it began (the fixed window if the household was not learned yet). */
export function limitOf(rule: QuietSpellRule, s: QuietSpellState): { limit: number; longestUsual: number | null } {
  if (!rule.learn || s.spellStart - s.watchedSince < rule.learn.warmup) return { limit: rule.window, longestUsual: null };
  return usualQuietLimit(s.spells as Spell[], s.spellMinute, rule.learn as SpellLearning, rule.learn.ceiling ?? rule.window);
}

export function quietSpellDueAt(rule: QuietSpellRule, s: QuietSpellState, floor = Number.NEGATIVE_INFINITY): number {
  return Math.max(s.spellStart, floor) + limitOf(rule, s).limit;
}

const silentFor = (s: QuietSpellState, at: number, gateway: GatewayContext): number => silenceBetween(gateway.offline, s.lastSeenAt, at);
const round = (n: number): number => Math.round(n * 100) / 100;
const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
const iso = (ms: number): string => new Date(ms).toISOString();

export const evaluateQuietSpell: Evaluate<QuietSpellRule, QuietSpellState> = (rule, prev, input, { device, gateway, household }): Step<QuietSpellState> | undefined => {
  if (input.type === 'tick') {
    if (prev && prev.openEpisode !== null) return escalation(rule, prev, input.at, device, gateway, household);
    if (!prev) return undefined;
    const dueAt = quietSpellDueAt(rule, prev, windowFloor(household, input.at));
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
    return { state, wakeAt: quietSpellDueAt(rule, state, windowFloor(household, at)) };
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

  const dueAt = quietSpellDueAt(rule, state, windowFloor(household, at));
  if (state.openEpisode !== null) {
    if (!isDraw) return { ...(escalation(rule, state, at, device, gateway, household) ?? { state }), anomaly };
    const unit = METRICS[rule.metric].unit;
    return {
      anomaly,
      state: { ...state, openEpisode: null, escalateAt: null },
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
  if (corroborated.holdUntil !== undefined) return { state, wakeAt: corroborated.holdUntil };
  const { limit, longestUsual } = limitOf(rule, state);
  const start = dueAt - limit;
  // Only a rule that looks at the household's other devices (corroboration) reads the door and the
  // band: the welfare check's own water signal judges water alone.
  const sees = rule.corroboration !== undefined;
  // The door used since the last draw (whose reading may come up to a report interval later): she
  // was up then, or went out, and a trip is not her habit's quiet. The fixed window counts from the
  // door, her last sign of life, and a learned limit waits for it.
  const door = sees ? household?.memory?.lastDoorUseAt : undefined;
  const doorSince = door !== undefined && door > state.spellStart - device.heartbeatMs ? door : undefined;
  const quietSince = Math.max(start, doorSince ?? Number.NEGATIVE_INFINITY);
  // Never later than the fixed window, or the dispatch, from the last draw: a door in daily use
  // while nothing is drawn for days is still a call to check.
  const fixedAt = Math.min(quietSince + Math.max(limit, rule.window), start + Math.max(limit, rule.window, rule.dispatch?.after ?? 0));
  if (doorSince !== undefined && at < fixedAt) return { state, wakeAt: fixedAt };
  // The meter alone (no door contact or home-range band known in the home to say she is in) cannot
  // tell a day out from a day down: a learned limit waits for the fixed window.
  const meterAlone = sees && (!household?.memory || (household.memory.lastDoorUseAt === undefined && household.memory.homeRange === undefined));
  if (meterAlone && at < fixedAt) return { state, wakeAt: fixedAt };
  // Her home known empty (not back from a reported absence, her band gone out with her): no one is
  // inside to be still. One call to check once she has been gone as long as a dispatch would wait.
  const away = sees ? awayFromHome(household, at, device.heartbeatMs) : undefined;
  const awayCallAt = quietSince + (rule.dispatch?.after ?? 2 * rule.window);
  if (away && at < awayCallAt) return { state, wakeAt: awayCallAt };

  // Grade by confidence: a call to check (learn.habitGrade, P4), raised again at the rule's grade
  // once there is more to say. At the ceiling while her history says a spell this long is usual at
  // this time of day: once beyond her usual. Before `dispatch.after`: then. In a home the welfare
  // check dispatches for, or known empty (she is out, not down): never.
  const checks: { escalateAt: number; why: string }[] = [];
  const ceiling = rule.learn?.ceiling ?? rule.window;
  if (rule.learn && longestUsual !== null && at - start >= ceiling) {
    const beyond = usualQuietLimit(state.spells as Spell[], state.spellMinute, rule.learn as SpellLearning, 2 * ceiling).limit;
    if (beyond > at - start) checks.push({ escalateAt: start + beyond, why: "within this household's habit at this time of day" });
  }
  if (rule.dispatch && at - quietSince < rule.dispatch.after) {
    checks.push({ escalateAt: quietSince + rule.dispatch.after, why: `quiet for less than ${formatDuration(rule.dispatch.after)}` });
  }
  const welfareDispatches = sees && rule.dispatch?.inHomesWithDoor === false && (household?.memory?.lastDoorUseAt !== undefined || otherLifeSensor(household, device.deviceId));
  const escalateAt = away || welfareDispatches || checks.length === 0 ? null : Math.max(...checks.map((c) => c.escalateAt));
  const callGrade = rule.learn?.habitGrade ?? 'P4';
  const check = away !== undefined || welfareDispatches || checks.length > 0;
  const grade = check && (!corroborated.grade || gradeRank(callGrade) > gradeRank(corroborated.grade)) ? callGrade : corroborated.grade;
  const why = away ? away.why : welfareDispatches ? 'a home with a door contact: the welfare check dispatches' : checks.map((c) => c.why).join('; ');
  const checkNote = check ? `; ${why}: call to check${escalateAt !== null ? `, raised again at ${rule.grade} at ${iso(escalateAt)}` : ''}` : '';
  const usual =
    longestUsual === null
      ? `the fixed ${formatDuration(rule.window)}`
      : longestUsual === 0
        ? "this household was never quiet at this time of day"
        : `beyond this household's usual: its longest quiet at this time of day lasted ${hours(longestUsual)}`;
  return {
    state: { ...state, openEpisode: dueAt, escalateAt },
    ...(escalateAt !== null ? { wakeAt: escalateAt } : {}),
    edge: {
      kind: 'raise',
      episode: dueAt,
      summary: `${rule.title}: none drawn for ${hours(at - state.spellStart)} (${usual}${checkNote}), household ${device.householdId}, device ${device.deviceId}${corroborated.note}`,
      ...(grade ? { grade } : {}),
      details: {
        quietSince: iso(state.spellStart),
        sinceDraw: state.spellFromDraw,
        ...(doorSince !== undefined ? { doorUsedAt: iso(doorSince) } : {}),
        ...(away ? { away: away.why } : {}),
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

const gradeRank = (g: Grade): number => Number(g.slice(1));

/** An open call to check, raised again at the rule's grade when the spell is beyond the household's usual or reaches `dispatch.after`. */
function escalation(rule: QuietSpellRule, s: QuietSpellState, at: number, device: DeviceContext, gateway: GatewayContext, household: HouseholdContext | undefined): Step<QuietSpellState> | undefined {
  if (s.escalateAt == null) return undefined;
  // The door used meanwhile: she was up then; a dispatch counts from there.
  const door = rule.corroboration !== undefined ? household?.memory?.lastDoorUseAt : undefined;
  const escalateAt = rule.dispatch && door !== undefined && door > s.spellStart ? Math.max(s.escalateAt, door + rule.dispatch.after) : s.escalateAt;
  if (at < escalateAt) return { state: s, wakeAt: escalateAt };
  // A meter gone silent meanwhile says nothing more of the household ("device silent" says it).
  if (silentFor(s, at, gateway) > 2 * device.heartbeatMs) return { state: s };
  // Her home known empty: she is out, not down (looked at again with the meter's next reading).
  if (rule.corroboration !== undefined && awayFromHome(household, at, device.heartbeatMs)) return { state: s };
  const corroborated = corroboratedGrade(rule.corroboration, household, device.deviceId, at);
  const grade = corroborated.grade ?? rule.grade;
  return {
    state: { ...s, openEpisode: escalateAt, escalateAt: null },
    edge: {
      kind: 'raise',
      episode: escalateAt,
      summary: `${rule.title}: none drawn for ${hours(at - s.spellStart)}, now beyond this household's usual at this time of day, household ${device.householdId}, device ${device.deviceId}${corroborated.note}`,
      ...(grade !== rule.grade ? { grade } : {}),
      details: { quietSince: iso(s.spellStart), escalated: true, counter: s.lastValue, ...corroborated.details },
    },
  };
}

export const shiftQuietSpell = (s: QuietSpellState, d: number): QuietSpellState => ({
  ...s,
  lastSeenAt: s.lastSeenAt + d,
  seenSince: s.seenSince + d,
  watchedSince: s.watchedSince + d,
  spellStart: s.spellStart + d,
  escalateAt: s.escalateAt == null ? s.escalateAt : s.escalateAt + d,
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
