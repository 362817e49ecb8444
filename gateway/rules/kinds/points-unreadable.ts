import { z } from 'zod';
import { formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import type { Evaluate, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';

/**
 * A polled device that answers but cannot give some of its points (an SDM120 answering Modbus
 * exception 02 to one block, a DL/T 645 meter refusing one data identifier): those points have
 * been unreadable in every poll for more than `factor` x the device's heartbeat, counting only
 * time the gateway ran. It names the points and why; the device is not "silent" (its other values
 * keep coming), and a reading with every point read clears it. Only readings carry the news, so
 * it is looked at on each poll, never on a timer: a device that stops answering altogether is
 * device-silent's.
 */
export const pointsUnreadableRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('points-unreadable'),
    title: z.string().min(1).max(80),
    /** Heartbeats a point stays unreadable before the device counts as faulty. @default 2 */
    factor: z.number().min(1).default(2),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict();
export type PointsUnreadableRule = z.output<typeof pointsUnreadableRuleSchema>;

export const pointsUnreadableStateSchema = z.object({
  /** Since when each point has failed, in every poll since. */
  failingSince: z.record(z.string(), z.number()),
  /** The latest reason of each failing point. */
  reasons: z.record(z.string(), z.string()),
  openEpisode: z.number().nullable(),
});
export type PointsUnreadableState = z.infer<typeof pointsUnreadableStateSchema>;

export const evaluatePointsUnreadable: Evaluate<PointsUnreadableRule, PointsUnreadableState> = (
  rule,
  prev,
  input,
  { device, gateway },
): Step<PointsUnreadableState> | undefined => {
  if (input.type !== 'reading') return undefined;
  const { reading } = input;
  const now = reading.unreadable ?? {};
  const failingNow = Object.keys(now);
  // A healthy device with nothing remembered keeps no state at all.
  if (failingNow.length === 0 && (!prev || (prev.openEpisode === null && Object.keys(prev.failingSince).length === 0))) return undefined;

  const failingSince: Record<string, number> = {};
  const reasons: Record<string, string> = {};
  for (const metric of failingNow) {
    failingSince[metric] = prev?.failingSince[metric] ?? reading.at;
    reasons[metric] = now[metric as keyof typeof now] ?? '';
  }
  const state: PointsUnreadableState = { failingSince, reasons, openEpisode: prev?.openEpisode ?? null };

  if (state.openEpisode !== null) {
    if (failingNow.length > 0) return { state };
    return {
      state: { ...state, openEpisode: null },
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: device ${device.deviceId} gives every value again, household ${device.householdId}`,
        details: { unreadableFor: formatDuration(Math.max(0, reading.at - state.openEpisode)) },
      },
    };
  }

  // Unreadable for MORE than factor x heartbeat, as device-silent counts its silence.
  const limit = rule.factor * device.heartbeatMs + 1;
  const overdue = failingNow.filter((m) => silenceBetween(gateway.offline, failingSince[m]!, reading.at) >= limit).sort();
  if (overdue.length === 0) return { state };
  const episode = Math.min(...overdue.map((m) => failingSince[m]!));
  return {
    state: { ...state, openEpisode: episode },
    edge: {
      kind: 'raise',
      episode,
      summary: `${rule.title}: device ${device.deviceId} answers but cannot give ${overdue.join(', ')} since ${new Date(episode).toISOString()} (${reasons[overdue[0]!]}), household ${device.householdId}`,
      details: { points: overdue.join(','), reason: reasons[overdue[0]!] ?? null, since: new Date(episode).toISOString() },
    },
  };
};

export const shiftPointsUnreadable = (s: PointsUnreadableState, d: number): PointsUnreadableState => ({
  ...s,
  failingSince: Object.fromEntries(Object.entries(s.failingSince).map(([m, t]) => [m, t + d])),
});

export const pointsUnreadableKind = defineKind({ ruleSchema: pointsUnreadableRuleSchema, stateSchema: pointsUnreadableStateSchema, evaluate: evaluatePointsUnreadable, shift: shiftPointsUnreadable, stateOutlivesChanges: true });
