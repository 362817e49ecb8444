import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { deviceEventSchema } from '../../../contract/metrics.js';
import { gradeSchema } from '../../../contract/alert.js';
import type { Evaluate, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';

/**
 * An event the device reports (SOS key, fall): every occurrence raises at once, with its own
 * alert. Nothing suppresses it: no cooldown, no open alert, no reported absence. It never
 * clears by itself; the ticket is closed by the grid worker who went.
 */
export const eventRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('event'),
    title: z.string().min(1).max(80),
    event: deviceEventSchema,
    grade: gradeSchema,
  })
  .strict();
export type EventRule = z.output<typeof eventRuleSchema>;

/** Presses remembered: a resend of any of them (a QoS 1 frame sent again after a crash) is no new press. */
const RECENT_PRESSES = 16;

export const eventStateSchema = z.object({
  lastEpisode: z.number(),
  /** The last presses' episodes (receipt times), the latest last. @default [lastEpisode] */
  recent: z.array(z.number()).max(RECENT_PRESSES).optional(),
});
export type EventState = z.infer<typeof eventStateSchema>;

export const evaluateEvent: Evaluate<EventRule, EventState> = (rule, prev, input, { device }): Step<EventState> | undefined => {
  if (input.type === 'tick' || !input.reading.events?.includes(rule.event)) return undefined;
  const { at, eventNote } = input.reading;
  // The same frame delivered twice (a QoS 1 resend, which keeps its first receipt time) is one
  // press: same time, same episode, even when later presses came in between.
  const recent = prev ? (prev.recent ?? [prev.lastEpisode]) : [];
  if (recent.includes(at)) return { state: prev! };
  return {
    state: { lastEpisode: Math.max(at, prev?.lastEpisode ?? at), recent: [...recent, at].slice(-RECENT_PRESSES) },
    edge: {
      kind: 'raise',
      episode: at,
      summary: `${rule.title}: household ${device.householdId}, device ${device.deviceId}${eventNote === undefined ? '' : `: ${eventNote}`}`.slice(0, 500),
      details: eventNote === undefined ? { event: rule.event } : { event: rule.event, note: eventNote },
    },
  };
};

export const shiftEvent = (s: EventState, d: number): EventState => ({ lastEpisode: s.lastEpisode + d, ...(s.recent ? { recent: s.recent.map((t) => t + d) } : {}) });

export const eventKind = defineKind({ ruleSchema: eventRuleSchema, stateSchema: eventStateSchema, evaluate: evaluateEvent, shift: shiftEvent, stateOutlivesChanges: true });
