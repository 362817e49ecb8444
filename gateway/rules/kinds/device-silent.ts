import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { isAway, windowFloor } from '../measures/absence.js';
import { awayFromHome } from '../measures/signs-of-life.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import type { Evaluate, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';

/**
 * A device that stopped reporting: no reading for more than `factor` x its profile's heartbeat,
 * counting only time this gateway was running (exactly factor x heartbeat is still "seen", as in
 * the window rules: one lost report of a meter is not silence). It applies to every device; the
 * next reading clears it. A device that never reported is watched from when the gateway first ran
 * with it configured (the engine looks at it once at start): a meter installed dead, or unplugged
 * before its first frame, is silent too.
 */
export const deviceSilentRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('device-silent'),
    title: z.string().min(1).max(80),
    /** Heartbeats without a reading before the device counts as silent. @default 2 */
    factor: z.number().min(1).default(2),
    /**
     * A wristband heard only at home (profile homeRangeOnly) that fell silent as the household's
     * door was used (or in a home whose door use is not known) went out with its wearer: it is
     * "out", and counts as silent only after this long (a day out is 8-13 h). While the household
     * is reported away it is out all along, and this counts from the absence's end. @default 16h
     */
    outFor: durationSchema.default(16 * 3_600_000),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict();
export type DeviceSilentRule = z.output<typeof deviceSilentRuleSchema>;

export const deviceSilentStateSchema = z.object({
  lastSeenAt: z.number(),
  openEpisode: z.number().nullable(),
  /** No reading yet: `lastSeenAt` is when the gateway first ran with the device configured. */
  neverSeen: z.literal(true).optional(),
});
export type DeviceSilentState = z.infer<typeof deviceSilentStateSchema>;

export const evaluateDeviceSilent: Evaluate<DeviceSilentRule, DeviceSilentState> = (
  rule,
  prev,
  input,
  { device, gateway, household },
): Step<DeviceSilentState> | undefined => {
  // Silent once MORE than factor x heartbeat passed: it looks again 1 ms after the limit.
  const limit = rule.factor * device.heartbeatMs + 1;
  if (input.type === 'reading') {
    const lastSeenAt = Math.max(input.reading.at, prev?.lastSeenAt ?? 0);
    const state = { lastSeenAt, openEpisode: null };
    if (prev?.openEpisode == null) return { state, wakeAt: lastSeenAt + limit };
    return {
      state,
      wakeAt: lastSeenAt + limit,
      edge: {
        kind: 'clear',
        episode: prev.openEpisode,
        summary: `${rule.title} ended: device ${device.deviceId} ${prev.neverSeen ? 'reports for the first time' : 'reports again'}, household ${device.householdId}`,
        details: { silentFor: formatDuration(Math.max(0, input.reading.at - prev.lastSeenAt)) },
      },
    };
  }
  // First look at a configured device with no reading yet: its silence counts from now.
  if (!prev) return { state: { lastSeenAt: input.at, openEpisode: null, neverSeen: true }, wakeAt: input.at + limit };
  if (prev.openEpisode !== null) return undefined;
  const silent = silenceBetween(gateway.offline, prev.lastSeenAt, input.at);
  if (silent < limit) return { state: prev, wakeAt: input.at + (limit - silent) };
  // Quiet from about when the door was used, or in a home with no door contact to tell by: its
  // wearer went out with it.
  const doorAt = household?.memory?.lastDoorUseAt;
  const wentOut = device.homeRangeOnly === true && !prev.neverSeen && (doorAt === undefined || Math.abs(doorAt - prev.lastSeenAt) <= limit);
  if (wentOut) {
    // A reported absence: out all along, and out for outFor after it ended.
    const floor = windowFloor(household, input.at);
    const outSince = Math.max(prev.lastSeenAt, floor);
    const outFor = silenceBetween(gateway.offline, outSince, input.at);
    if (isAway(household, input.at)) {
      const absence = household!.absences.find((a) => input.at >= a.from && input.at < a.until)!;
      return { state: prev, wakeAt: absence.until + rule.outFor };
    }
    if (outFor < rule.outFor) return { state: prev, wakeAt: input.at + (rule.outFor - outFor) };
    // Her home still empty (nothing drawn, the door unused since she left): out, not silent; looked
    // at again every outFor.
    if (awayFromHome(household, input.at, device.heartbeatMs)) return { state: prev, wakeAt: input.at + rule.outFor };
  }
  const since = new Date(prev.lastSeenAt).toISOString();
  return {
    state: { ...prev, openEpisode: prev.lastSeenAt },
    edge: {
      kind: 'raise',
      episode: prev.lastSeenAt,
      summary: prev.neverSeen
        ? `${rule.title}: device ${device.deviceId} has never reported since it was configured (${since}), household ${device.householdId}`
        : wentOut
          ? `${rule.title}: device ${device.deviceId} went out${doorAt === undefined ? '' : ' as the door was used'} (${since}) and has not been heard for ${formatDuration(rule.outFor)}, household ${device.householdId}`
          : `${rule.title}: device ${device.deviceId} has sent nothing since ${since}, household ${device.householdId}`,
      details: prev.neverSeen
        ? { configuredAt: since, neverReported: true, expectedEvery: formatDuration(device.heartbeatMs) }
        : { lastSeenAt: since, expectedEvery: formatDuration(device.heartbeatMs) },
    },
  };
};

export const shiftDeviceSilent = (s: DeviceSilentState, d: number): DeviceSilentState => ({ ...s, lastSeenAt: s.lastSeenAt + d });

export const deviceSilentKind = defineKind({ ruleSchema: deviceSilentRuleSchema, stateSchema: deviceSilentStateSchema, evaluate: evaluateDeviceSilent, shift: shiftDeviceSilent, stateOutlivesChanges: true, watchesFromConfiguration: true });
