import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { metricSchema } from '../../../contract/metrics.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { isAway, windowFloor } from '../measures/absence.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema, corroborationSchema } from './kind-api.js';
import { awayFromHome, corroboratedGrade, otherLifeSensor } from '../measures/signs-of-life.js';
import type { Evaluate, GatewayContext, HouseholdContext, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';

/**
 * No event over a window: a value that never changed (a door contact never opened or closed) for
 * `window`, while the device kept reporting the whole time. The catalogue's "no door activity".
 */
export const noChangeRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('no-change'),
    title: z.string().min(1).max(80),
    metric: metricSchema,
    window: durationSchema,
    grade: gradeSchema,
    /** Another device of the household showing life meanwhile lowers the grade. @default none */
    corroboration: corroborationSchema,
    /**
     * Raise only in a home where this device is the only one that reports signs of life (no water
     * meter or other door heard since the gateway started): where there is another, the welfare check judges them together,
     * and this alone would be a second ticket for the same quiet. @default false
     */
    soleSignal: z.boolean().default(false),
    cooldown: cooldownSchema,
  })
  .strict();
export type NoChangeRule = z.output<typeof noChangeRuleSchema>;

export const noChangeStateSchema = z.object({
  lastValue: z.number(),
  lastChangeAt: z.number(),
  lastSeenAt: z.number(),
  /** Start of the current unbroken run of reports. */
  seenSince: z.number(),
  openEpisode: z.number().nullable(),
});
export type NoChangeState = z.infer<typeof noChangeStateSchema>;

const dueAt = (rule: NoChangeRule, s: NoChangeState, floor = Number.NEGATIVE_INFINITY): number =>
  Math.max(s.lastChangeAt, s.seenSince, floor) + rule.window;
const silentFor = (s: NoChangeState, at: number, gateway: GatewayContext): number =>
  silenceBetween(gateway.offline, s.lastSeenAt, at);

function raise(rule: NoChangeRule, s: NoChangeState, at: number, device: DeviceContext, floor: number, household: HouseholdContext | undefined): Step<NoChangeState> {
  const episode = dueAt(rule, s, floor);
  const corroborated = corroboratedGrade(rule.corroboration, household, device.deviceId, at);
  if (corroborated.holdUntil !== undefined) return { state: s, wakeAt: corroborated.holdUntil };
  // A rule that reads the household's other devices holds while its home is known empty (not back
  // from a reported absence, a band gone out with her): a door unused then is no news. Looked at
  // again with the device's next report.
  if (rule.corroboration && awayFromHome(household, at, device.heartbeatMs)) return { state: s };
  if (rule.soleSignal && otherLifeSensor(household, device.deviceId)) return { state: s };
  return {
    state: { ...s, openEpisode: episode },
    edge: {
      kind: 'raise',
      episode,
      summary: `${rule.title}: no change for ${formatDuration(rule.window)}, household ${device.householdId}, device ${device.deviceId}${corroborated.note}`,
      ...(corroborated.grade ? { grade: corroborated.grade } : {}),
      details: { window: formatDuration(rule.window), lastChangeAt: new Date(s.lastChangeAt).toISOString(), at: new Date(at).toISOString(), ...corroborated.details },
    },
  };
}

export const evaluateNoChange: Evaluate<NoChangeRule, NoChangeState> = (
  rule,
  prev,
  input,
  { device, gateway, household },
): Step<NoChangeState> | undefined => {
  if (input.type === 'tick') {
    if (!prev || prev.openEpisode !== null) return undefined;
    const floor = windowFloor(household, input.at);
    if (input.at < dueAt(rule, prev, floor)) return { state: prev, wakeAt: dueAt(rule, prev, floor) };
    if (silentFor(prev, input.at, gateway) > 2 * device.heartbeatMs) return { state: prev };
    return raise(rule, prev, input.at, device, floor, household);
  }
  const value = input.reading.metrics[rule.metric];
  if (value === undefined) return undefined;
  if (!prev) {
    const state = { lastValue: value, lastChangeAt: input.reading.at, lastSeenAt: input.reading.at, seenSince: input.reading.at, openEpisode: null };
    return { state, wakeAt: dueAt(rule, state) };
  }
  const at = Math.max(input.reading.at, prev.lastSeenAt);
  const floor = windowFloor(household, at);
  const changed = value !== prev.lastValue;
  const anomaly = changed && isAway(household, at) ? `${rule.metric} changed while the household is reported away` : undefined;
  const state: NoChangeState = {
    lastValue: value,
    lastChangeAt: changed ? at : prev.lastChangeAt,
    lastSeenAt: at,
    seenSince: silentFor(prev, at, gateway) > 2 * device.heartbeatMs ? at : prev.seenSince,
    openEpisode: prev.openEpisode,
  };
  if (state.openEpisode !== null) {
    if (!changed) return { state };
    return {
      anomaly,
      state: { ...state, openEpisode: null },
      wakeAt: dueAt(rule, state, floor),
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: activity again, household ${device.householdId}`,
        details: { at: new Date(at).toISOString() },
      },
    };
  }
  if (at < dueAt(rule, state, floor)) return { state, anomaly, wakeAt: dueAt(rule, state, floor) };
  return raise(rule, state, at, device, floor, household);
};

export const shiftNoChange = (s: NoChangeState, d: number): NoChangeState => ({
  ...s,
  lastChangeAt: s.lastChangeAt + d,
  lastSeenAt: s.lastSeenAt + d,
  seenSince: s.seenSince + d,
});

export const noChangeKind = defineKind({ ruleSchema: noChangeRuleSchema, stateSchema: noChangeStateSchema, evaluate: evaluateNoChange, shift: shiftNoChange, stateOutlivesChanges: true });
