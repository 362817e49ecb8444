import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { METRICS, isCounter, metricSchema } from '../../../contract/metrics.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { isAway, windowFloor } from '../measures/absence.js';
import { counterIncrease, EPSILON } from '../measures/counter-increase.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema, corroborationSchema } from './kind-api.js';
import { corroboratedGrade } from '../measures/signs-of-life.js';
import type { Evaluate, GatewayContext, HouseholdContext, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';

/**
 * "No change of a counter over a window": less than `minIncrease` of `metric` within `window`,
 * while the device kept reporting the whole time (a silent device is "device silent", not this).
 * The catalogue's "no water use" is one of these on `volume_l`.
 */
export const counterIdleRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('counter-idle'),
    /** What a grid worker reads first in the alert, e.g. "no water use". */
    title: z.string().min(1).max(80),
    metric: metricSchema.refine(isCounter, 'counter-idle needs a counter metric such as volume_l'),
    window: durationSchema,
    /** Use below this much (in the metric's unit) within the window raises the alert. */
    minIncrease: z.number().positive(),
    grade: gradeSchema,
    /** Another device of the household showing life meanwhile lowers the grade. @default none */
    corroboration: corroborationSchema,
    cooldown: cooldownSchema,
  })
  .strict();

export type CounterIdleRule = z.output<typeof counterIdleRuleSchema>;

/**
 * State of one (counter-idle rule, device). Small and bounded: instead of the whole day's
 * readings it keeps only the most recent increases that together reach `minIncrease`, which is
 * all it takes to know when the window last held enough use.
 */
export const counterIdleStateSchema = z.object({
  lastValue: z.number(),
  /** The highest value since the last reset (absent in state written before it existed). */
  peak: z.number().optional(),
  lastSeenAt: z.number(),
  /** Start of the current unbroken run of reports (reset by a gap over 2 x heartbeat). */
  seenSince: z.number(),
  /** [at, increase] pairs, oldest first; their sum reaches minIncrease (or holds all use seen). */
  recent: z.array(z.tuple([z.number(), z.number()])),
  /** The open alert's episode (its due time), or null when no alert is open. */
  openEpisode: z.number().nullable(),
});
export type CounterIdleState = z.infer<typeof counterIdleStateSchema>;

function sum(pairs: ReadonlyArray<readonly [number, number]>): number {
  let total = 0;
  for (const [, inc] of pairs) total += inc;
  return total;
}

const reaches = (total: number, threshold: number): boolean => total >= threshold - EPSILON;

/**
 * When the condition holds from: the window must lie after the last time use reached the
 * threshold and inside the unbroken run of reports.
 */
export function counterIdleDueAt(rule: CounterIdleRule, state: CounterIdleState, floor = Number.NEGATIVE_INFINITY): number {
  const reachedAt = reaches(sum(state.recent), rule.minIncrease) ? state.recent[0]![0] : Number.NEGATIVE_INFINITY;
  return Math.max(reachedAt, state.seenSince, floor) + rule.window;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** How long the device has been silent at `at`, not counting time this gateway was down. */
function silentFor(state: CounterIdleState, at: number, gateway: GatewayContext): number {
  return silenceBetween(gateway.offline, state.lastSeenAt, at);
}

export const evaluateCounterIdle: Evaluate<CounterIdleRule, CounterIdleState> = (
  rule,
  prev,
  input,
  { device, gateway, household },
): Step<CounterIdleState> | undefined => {
  if (input.type === 'tick') {
    // The window may close between readings: raise at that moment, if the meter is still reporting.
    if (!prev || prev.openEpisode !== null) return undefined;
    const dueAt = counterIdleDueAt(rule, prev, windowFloor(household, input.at));
    if (input.at < dueAt) return { state: prev, wakeAt: dueAt };
    if (silentFor(prev, input.at, gateway) > 2 * device.heartbeatMs) return { state: prev };
    return raise(rule, prev, input.at, dueAt, device, household);
  }

  const { reading } = input;
  const value = reading.metrics[rule.metric];
  if (value === undefined) return undefined;

  if (!prev) {
    const state: CounterIdleState = { lastValue: value, lastSeenAt: reading.at, seenSince: reading.at, recent: [], openEpisode: null };
    return { state, wakeAt: counterIdleDueAt(rule, state, windowFloor(household, reading.at)) };
  }

  // A reading stamped before the last one (a clock stepped back) must not move time backwards.
  const at = Math.max(reading.at, prev.lastSeenAt);
  const seenSince = silentFor(prev, at, gateway) > 2 * device.heartbeatMs ? at : prev.seenSince;

  const counted = counterIncrease(rule.metric, prev.lastValue, prev.peak, value, at - prev.lastSeenAt);
  const { increase } = counted;
  let anomaly = counted.anomaly;
  if (increase > 0 && isAway(household, at)) anomaly = `${round(increase)} ${METRICS[rule.metric].unit} used while the household is reported away`;

  const recent = prev.recent.slice();
  if (increase > 0) {
    recent.push([at, increase]);
    while (recent.length > 1 && reaches(sum(recent) - recent[0]![1], rule.minIncrease)) recent.shift();
  }
  const state: CounterIdleState = { lastValue: value, peak: counted.peak, lastSeenAt: at, seenSince, recent, openEpisode: prev.openEpisode };
  const dueAt = counterIdleDueAt(rule, state, windowFloor(household, at));

  if (state.openEpisode !== null) {
    // Cleared by the same test that raised it: the window holds enough use again.
    const used = usedSince(state, at - rule.window);
    if (!reaches(used, rule.minIncrease)) return { state, anomaly };
    const unit = METRICS[rule.metric].unit;
    return {
      anomaly,
      state: { ...state, openEpisode: null },
      wakeAt: dueAt,
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: at least ${round(used)} ${unit} used in the last ${formatDuration(rule.window)}, household ${device.householdId}`,
        details: { used: round(used), unit, threshold: rule.minIncrease, window: formatDuration(rule.window) },
      },
    };
  }
  if (at < dueAt) return { state, anomaly, wakeAt: dueAt };
  return { ...raise(rule, state, at, dueAt, device, household), anomaly };
};

function usedSince(state: CounterIdleState, from: number): number {
  return sum(state.recent.filter(([t]) => t > from));
}

function raise(rule: CounterIdleRule, state: CounterIdleState, at: number, dueAt: number, device: DeviceContext, household: HouseholdContext | undefined): Step<CounterIdleState> {
  const unit = METRICS[rule.metric].unit;
  const corroborated = corroboratedGrade(rule.corroboration, household, device.deviceId, at);
  if (corroborated.holdUntil !== undefined) return { state, wakeAt: corroborated.holdUntil };
  const windowStart = at - rule.window;
  const used = usedSince(state, windowStart);
  const lastUseAt = state.recent.length > 0 ? state.recent[state.recent.length - 1]![0] : null;
  return {
    state: { ...state, openEpisode: dueAt },
    edge: {
      kind: 'raise',
      episode: dueAt,
      summary: `${rule.title}: ${round(used)} ${unit} in ${formatDuration(rule.window)} (threshold ${rule.minIncrease} ${unit}), household ${device.householdId}, device ${device.deviceId}${corroborated.note}`,
      ...(corroborated.grade ? { grade: corroborated.grade } : {}),
      details: {
        used: round(used),
        unit,
        threshold: rule.minIncrease,
        window: formatDuration(rule.window),
        windowStart: new Date(windowStart).toISOString(),
        lastUseAt: lastUseAt === null ? null : new Date(lastUseAt).toISOString(),
        counter: state.lastValue,
        ...corroborated.details,
      },
    },
  };
}

export const shiftCounterIdle = (s: CounterIdleState, d: number): CounterIdleState => ({
  ...s,
  lastSeenAt: s.lastSeenAt + d,
  seenSince: s.seenSince + d,
  recent: s.recent.map(([t, inc]) => [t + d, inc] as [number, number]),
});

export const counterIdleKind = defineKind({ ruleSchema: counterIdleRuleSchema, stateSchema: counterIdleStateSchema, evaluate: evaluateCounterIdle, shift: shiftCounterIdle });
