import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { METRICS, metricSchema } from '../../../contract/metrics.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import type { Evaluate, Step } from './kind-api.js';
import { defineKind, shiftInstant } from './kind-api.js';

/**
 * A value outside a range for a while: heart rate below 50 or above 120 for 5 min, SpO2 below
 * 90 %, battery below 15 %. Without `for` it raises on the first reading outside. A run outside
 * is broken by any reading inside the range (49, then 52, then 49 is two runs); the hysteresis
 * only decides when a raised alarm clears, so that it does not flap at the edge.
 */
export const rangeRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('range'),
    title: z.string().min(1).max(80),
    metric: metricSchema,
    /** Raise when the value is below this. */
    below: z.number().finite().optional(),
    /** Raise when the value is above this. */
    above: z.number().finite().optional(),
    /** How long the value must stay outside, reading after reading. @default at once */
    for: durationSchema.optional(),
    /**
     * Readings that span `for` within this much count as spanning it: a band reporting every 5
     * min whose second high reading comes 3 s early is not judged 5 min later. @default the
     * device's report interval / 10
     */
    forSlack: durationSchema.optional(),
    /** The value must come back this far inside the range to clear (no flapping at the edge). @default 0 */
    hysteresis: z.number().nonnegative().default(0),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict()
  .refine((r) => r.below !== undefined || r.above !== undefined, { message: 'give below, above or both', path: ['below'] })
  .refine((r) => r.below === undefined || r.above === undefined || r.below < r.above, { message: 'below must be less than above', path: ['below'] });
export type RangeRule = z.output<typeof rangeRuleSchema>;

export const rangeStateSchema = z.object({
  lastAt: z.number(),
  /** Start of the current run of readings outside the range, or null. */
  outsideSince: z.number().nullable(),
  openEpisode: z.number().nullable(),
});
export type RangeState = z.infer<typeof rangeStateSchema>;

function describeLimit(rule: RangeRule, value: number): string {
  return rule.below !== undefined && value < rule.below ? `below ${rule.below}` : `above ${rule.above}`;
}

export const evaluateRange: Evaluate<RangeRule, RangeState> = (rule, prev, input, { device, gateway }): Step<RangeState> | undefined => {
  if (input.type === 'tick') return undefined; // no reading, no knowledge of the value
  const value = input.reading.metrics[rule.metric];
  if (value === undefined) return undefined;
  const at = input.reading.at;
  if (prev && at < prev.lastAt) return { state: prev, anomaly: `reading at ${new Date(at).toISOString()} is older than the last one; ignored` };

  const outside = (rule.below !== undefined && value < rule.below) || (rule.above !== undefined && value > rule.above);
  const backInside =
    (rule.below === undefined || value >= rule.below + rule.hysteresis) && (rule.above === undefined || value <= rule.above - rule.hysteresis);
  // A run outside must be unbroken: a silent gap means we do not know what happened in it.
  const gap = prev ? silenceBetween(gateway.offline, prev.lastAt, at) : 0;
  const continuing = prev?.outsideSince != null && gap <= 2 * device.heartbeatMs;
  const outsideSince = outside ? (continuing ? prev!.outsideSince! : at) : null;
  const state: RangeState = { lastAt: at, outsideSince, openEpisode: prev?.openEpisode ?? null };
  const unit = METRICS[rule.metric].unit;

  if (state.openEpisode !== null) {
    if (!backInside) return { state };
    return {
      state: { ...state, openEpisode: null },
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: ${value} ${unit}, household ${device.householdId}`,
        details: { value, unit },
      },
    };
  }
  const slack = rule.forSlack ?? device.heartbeatMs / 10;
  // With `for`, a run needs two readings at least (one reading shows no duration), spanning the window within the slack.
  if (!outside || outsideSince === null) return { state };
  if (rule.for !== undefined && !(at > outsideSince && at - outsideSince >= rule.for - slack)) return { state };
  const lasting = rule.for ? ` for ${formatDuration(rule.for)}` : '';
  return {
    state: { ...state, openEpisode: outsideSince },
    edge: {
      kind: 'raise',
      episode: outsideSince,
      summary: `${rule.title}: ${value} ${unit} ${describeLimit(rule, value)}${lasting}, household ${device.householdId}, device ${device.deviceId}`,
      details: { value, unit, below: rule.below ?? null, above: rule.above ?? null, since: new Date(outsideSince).toISOString() },
    },
  };
};

export const shiftRange = (s: RangeState, d: number): RangeState => ({ ...s, lastAt: s.lastAt + d, outsideSince: shiftInstant(s.outsideSince, d) });

export const rangeKind = defineKind({ ruleSchema: rangeRuleSchema, stateSchema: rangeStateSchema, evaluate: evaluateRange, shift: shiftRange, stateOutlivesChanges: true });
