import { z } from 'zod';
import { formatDuration } from '../../lib/duration.js';
import { idSchema } from '../../lib/ids.js';
import { silenceBetween } from '../runs.js';
import { cooldownSchema, gradeSchema } from './alert.js';
import type { Evaluate, Step } from './evaluator.js';

/**
 * A device that stopped reporting: no reading for more than `factor` x its profile's heartbeat,
 * counting only time this gateway was running (exactly factor x heartbeat is still "seen", as in
 * the window rules: one lost report of a meter is not silence). It applies to every device; the
 * next reading clears it.
 */
export const deviceSilentRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('device-silent'),
    title: z.string().min(1).max(80),
    /** Heartbeats without a reading before the device counts as silent. @default 2 */
    factor: z.number().min(1).default(2),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict();
export type DeviceSilentRule = z.output<typeof deviceSilentRuleSchema>;

export const deviceSilentStateSchema = z.object({ lastSeenAt: z.number(), openEpisode: z.number().nullable() });
export type DeviceSilentState = z.infer<typeof deviceSilentStateSchema>;

export const evaluateDeviceSilent: Evaluate<DeviceSilentRule, DeviceSilentState> = (
  rule,
  prev,
  input,
  { device, gateway },
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
        summary: `${rule.title} ended: device ${device.deviceId} reports again, household ${device.householdId}`,
        details: { silentFor: formatDuration(Math.max(0, input.reading.at - prev.lastSeenAt)) },
      },
    };
  }
  if (!prev || prev.openEpisode !== null) return undefined;
  const silent = silenceBetween(gateway.offline, prev.lastSeenAt, input.at);
  if (silent < limit) return { state: prev, wakeAt: input.at + (limit - silent) };
  return {
    state: { ...prev, openEpisode: prev.lastSeenAt },
    edge: {
      kind: 'raise',
      episode: prev.lastSeenAt,
      summary: `${rule.title}: device ${device.deviceId} has sent nothing since ${new Date(prev.lastSeenAt).toISOString()}, household ${device.householdId}`,
      details: { lastSeenAt: new Date(prev.lastSeenAt).toISOString(), expectedEvery: formatDuration(device.heartbeatMs) },
    },
  };
};
