import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { localDate, localParts } from '../../../lib/time/local-time.js';
import { METRICS, isCounter, metricSchema } from '../../../contract/metrics.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import { counterIncrease, EPSILON } from '../measures/counter-increase.js';
import { awayDuring } from '../measures/absence.js';
import type { HouseholdContext, Edge, Evaluate, GatewayContext, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';

/**
 * "A day's use far below the household's own usual": a complete local day using less than
 * `belowRatio` of the median of the household's last `historyDays` complete days. No pilot
 * publishes a fixed figure for electricity; an elder who is ill or fell uses far less than usual.
 */
export const dailyBaselineRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('daily-baseline'),
    /** What a grid worker reads first in the alert, e.g. "electricity use far below usual". */
    title: z.string().min(1).max(80),
    metric: metricSchema.refine(isCounter, 'daily-baseline needs a counter metric such as energy_kwh'),
    /** How many complete days the median is taken over. @default 14 */
    historyDays: z.number().int().min(3).max(60).default(14),
    /** Complete days needed before any day is judged. @default 7 */
    warmupDays: z.number().int().min(1).max(60).default(7),
    /** A day below this share of the median raises. @default 0.3 */
    belowRatio: z.number().gt(0).lt(1).default(0.3),
    /** An open alert clears on a day at or above this share of the median. @default 0.5 */
    clearRatio: z.number().gt(0).lte(1).default(0.5),
    /** A household whose median day is below this (metric's unit) is not judged: nothing to compare. @default 0.5 */
    minMedian: z.number().positive().default(0.5),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.warmupDays > rule.historyDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['warmupDays'],
        message: `warmupDays ${rule.warmupDays} is more than historyDays ${rule.historyDays}: the warm-up fills the history`,
      });
    }
    if (rule.clearRatio <= rule.belowRatio) {
      ctx.addIssue({ code: 'custom', path: ['clearRatio'], message: `clearRatio ${rule.clearRatio} must be above belowRatio ${rule.belowRatio}` });
    }
  });
export type DailyBaselineRuleInput = z.input<typeof dailyBaselineRuleSchema>;
export type DailyBaselineRule = z.output<typeof dailyBaselineRuleSchema>;

/** State of one (daily-baseline rule, device): the day being summed and at most 60 daily totals. */
export const dailyBaselineStateSchema = z.object({
  lastValue: z.number(),
  /** The highest value since the last reset (absent in state written before it existed). */
  peak: z.number().optional(),
  lastSeenAt: z.number(),
  /** The instant the local day being summed began. */
  dayStart: z.number(),
  dayUse: z.number(),
  /** No reporting gap has spoiled the day so far. */
  dayComplete: z.boolean(),
  /** [local date, use] of the last complete days, oldest first. */
  history: z.array(z.tuple([z.string(), z.number()])).max(60),
  /** The open alert's episode (the start of the low day), or null. */
  openEpisode: z.number().nullable(),
});
export type DailyBaselineState = z.infer<typeof dailyBaselineStateSchema>;

/**
 * The first instant of the local date holding `ms`: local midnight, or the moment a DST change
 * that skips midnight (America/Santiago) lands on. Days last 23, 24 or 25 hours.
 */
export function startOfLocalDay(ms: number, timeZone: string): number {
  const date = localDate(ms, timeZone);
  // Usually the wall-clock time since midnight; a DST change earlier that day moves it.
  const guess = ms - localParts(ms, timeZone).minuteOfDay * 60_000 - (((ms % 60_000) + 60_000) % 60_000);
  if (localDate(guess, timeZone) === date && localDate(guess - 1, timeZone) !== date) return guess;
  // Otherwise search: the date before `lo` differs, from `hi` on it is the date.
  let lo = ms - 50 * 3_600_000;
  let hi = ms;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(mid, timeZone) === date) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The start of the local day after the one that began at `dayStart`. */
export function nextLocalMidnight(dayStart: number, timeZone: string): number {
  // 36 h after a day's start is always inside the next day (23 + 23 > 36 > 25).
  return startOfLocalDay(dayStart + 36 * 3_600_000, timeZone);
}

const round = (n: number, places = 2): number => Math.round(n * 10 ** places) / 10 ** places;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Ends the day being summed: judges it against the history, and keeps it. A day counts only if
 * the meter was read within 2 x heartbeat of its start and of its end and never fell silent in
 * between. Inside the day the gateway's downtime is excused (the counter kept counting and the
 * next reading of the day carries that use), but not across midnight: an increase belongs to the
 * day of the reading that closes it, so a long unread stretch over midnight would move use from
 * one day to the next, and a day robbed of its evening would look like an elder in trouble.
 */
function closeDay(
  rule: DailyBaselineRule,
  s: DailyBaselineState,
  end: number,
  device: DeviceContext,
  gateway: GatewayContext,
  household: HouseholdContext | undefined,
) {
  const complete = s.dayComplete && s.lastSeenAt >= s.dayStart && end - s.lastSeenAt <= 2 * device.heartbeatMs;
  // A day the household was reported away says nothing of its usual use, nor of trouble.
  const awayThatDay = awayDuring(household, s.dayStart, end);
  if (!complete || awayThatDay) return { history: s.history, openEpisode: s.openEpisode };

  const date = localDate(s.dayStart, gateway.timeZone);
  const history = s.history.slice(-rule.historyDays);
  let edge: Edge | undefined;
  let openEpisode = s.openEpisode;
  const usual = median(history.map(([, use]) => use));
  if (history.length >= rule.warmupDays && usual >= rule.minMedian) {
    const ratio = s.dayUse / usual;
    // Raise below belowRatio, clear only at clearRatio or more: no raise/clear every other day
    // for a household living right at the line.
    const raise = openEpisode === null && s.dayUse < rule.belowRatio * usual - EPSILON;
    const clear = openEpisode !== null && s.dayUse >= rule.clearRatio * usual - EPSILON;
    if (raise || clear) {
      const unit = METRICS[rule.metric].unit;
      const summary = `${round(s.dayUse)} ${unit} on ${date}, ${Math.round(ratio * 100)}% of the usual ${round(usual)} ${unit} (median of ${history.length} days), household ${device.householdId}`;
      const details = { dayUse: round(s.dayUse), median: round(usual), ratio: round(ratio), days: history.length, date, unit, threshold: rule.belowRatio };
      edge = raise
        ? { kind: 'raise', episode: s.dayStart, summary: `${rule.title}: ${summary}`, details }
        : { kind: 'clear', episode: openEpisode!, summary: `${rule.title} ended: ${summary}`, details };
      openEpisode = raise ? s.dayStart : null;
    }
  }
  // While the alert is open the days are not learnt: an illness must not become the usual, or
  // the alert would clear itself after a week of it.
  if (openEpisode !== null) return { history, openEpisode, edge };
  const kept: [string, number] = [date, round(s.dayUse, 6)];
  return { history: [...history, kept].slice(-rule.historyDays), openEpisode, edge };
}

export const evaluateDailyBaseline: Evaluate<DailyBaselineRule, DailyBaselineState> = (
  rule,
  prev,
  input,
  { device, gateway, household },
): Step<DailyBaselineState> | undefined => {
  const tz = gateway.timeZone;
  const slack = 2 * device.heartbeatMs;

  if (input.type === 'tick') {
    // A quiet meter announces no midnight: the engine wakes us then, to judge the day just ended.
    if (!prev) return undefined;
    const end = nextLocalMidnight(prev.dayStart, tz);
    if (input.at < end) return { state: prev, wakeAt: end };
    const { edge, ...closed } = closeDay(rule, prev, end, device, gateway, household);
    const dayStart = startOfLocalDay(input.at, tz);
    const state: DailyBaselineState = { ...prev, ...closed, dayStart, dayUse: 0, dayComplete: true };
    // A meter silent the whole day cannot make the next one complete before it reports again.
    const wakeAt = prev.lastSeenAt >= prev.dayStart ? nextLocalMidnight(dayStart, tz) : undefined;
    return { state, edge, wakeAt };
  }

  const value = input.reading.metrics[rule.metric];
  if (value === undefined) return undefined;

  if (!prev) {
    const dayStart = startOfLocalDay(input.reading.at, tz);
    const state: DailyBaselineState = {
      lastValue: value,
      lastSeenAt: input.reading.at,
      dayStart,
      dayUse: 0,
      dayComplete: input.reading.at - dayStart <= slack,
      history: [],
      openEpisode: null,
    };
    return { state, wakeAt: nextLocalMidnight(dayStart, tz) };
  }

  // A reading stamped before the last one (a clock stepped back) must not move time backwards.
  const at = Math.max(input.reading.at, prev.lastSeenAt);
  let s = prev;
  let edge: Edge | undefined;
  let end = nextLocalMidnight(prev.dayStart, tz);
  if (at >= end) {
    const closed = closeDay(rule, prev, end, device, gateway, household);
    edge = closed.edge;
    s = { ...prev, history: closed.history, openEpisode: closed.openEpisode, dayStart: startOfLocalDay(at, tz), dayUse: 0, dayComplete: true };
    end = nextLocalMidnight(s.dayStart, tz);
  }
  // The first reading of a day closes an interval begun the day before: no downtime excuse (see closeDay).
  const silent = s.lastSeenAt < s.dayStart ? at - s.lastSeenAt : silenceBetween(gateway.offline, s.lastSeenAt, at);

  const { increase, peak, anomaly } = counterIncrease(rule.metric, prev.lastValue, prev.peak, value, at - prev.lastSeenAt);

  const state: DailyBaselineState = {
    ...s,
    lastValue: value,
    peak,
    lastSeenAt: at,
    dayUse: s.dayUse + increase,
    dayComplete: s.dayComplete && silent <= slack,
  };
  return { state, edge, anomaly, wakeAt: end };
};

/** A day during which the clock was stepped is not judged (its boundaries moved under it). */
export const shiftDailyBaseline = (s: DailyBaselineState, d: number): DailyBaselineState => ({
  ...s,
  lastSeenAt: s.lastSeenAt + d,
  dayStart: s.dayStart + d,
  dayComplete: false,
});

export const dailyBaselineKind = defineKind({ ruleSchema: dailyBaselineRuleSchema, stateSchema: dailyBaselineStateSchema, evaluate: evaluateDailyBaseline, shift: shiftDailyBaseline, stateOutlivesChanges: true });
