import type { z } from 'zod';
import { counterIdleStateSchema, evaluateCounterIdle } from './counter-idle.js';
import { dailyBaselineStateSchema, evaluateDailyBaseline } from './daily-baseline.js';
import { deviceSilentStateSchema, evaluateDeviceSilent } from './device-silent.js';
import type { Evaluate } from './kind-api.js';
import { eventStateSchema, evaluateEvent } from './device-event.js';
import { evaluateGeofence, geofenceStateSchema } from './geofence.js';
import { evaluateNightNoise, nightNoiseStateSchema } from './night-noise.js';
import { evaluateNoChange, noChangeStateSchema } from './no-change.js';
import { evaluatePointsUnreadable, pointsUnreadableStateSchema } from './points-unreadable.js';
import { evaluateRange, rangeStateSchema } from './range.js';
import type { Rule } from './rule-schema.js';
import { evaluateWelfare, shiftWelfare, welfareStateSchema, type WelfareState } from './welfare.js';
import {
  shiftCounterIdle,
  shiftDailyBaseline,
  shiftDeviceSilent,
  shiftEvent,
  shiftGeofence,
  shiftNightNoise,
  shiftNoChange,
  shiftPointsUnreadable,
  shiftRange,
} from './time-shift.js';

interface Kind<R, S> {
  evaluate: Evaluate<R, S>;
  /** Checks state read back from disk (it may come from an older gridwatch). */
  stateSchema: z.ZodType<S>;
  /** Moves the state's instants after a step of the wall clock (see time-shift.ts). */
  shift: (state: S, deltaMs: number) => S;
  /** 'household': one state per household, fed by all its devices (the welfare check). @default device */
  scope?: 'household';
  /**
   * The state records only what happened (last seen, last change, history), not anything derived
   * from the rule's figures, so it stays valid when the rule changes. @default false
   */
  stateOutlivesChanges?: boolean;
  /**
   * Looked at once (a tick) for every configured device that has no state yet, when the engine
   * starts: a device installed dead, or unplugged before its first frame, is watched from its
   * configuration, not from a first reading that never comes. @default false
   */
  watchesFromConfiguration?: boolean;
}

type Kinds = { [K in Rule['kind']]: Kind<Rule, unknown> };

/** Types a kind's parts together, then widens them for the table. */
function kind<R, S>(
  evaluate: Evaluate<R, S>,
  stateSchema: z.ZodType<S>,
  shift: (state: S, deltaMs: number) => S,
  options: { scope?: 'household'; stateOutlivesChanges?: boolean; watchesFromConfiguration?: boolean } = {},
): Kind<Rule, unknown> {
  return { evaluate, stateSchema, shift, ...options } as unknown as Kind<Rule, unknown>;
}

/** One evaluator per condition kind. */
export const RULE_KINDS: Kinds = {
  'counter-idle': kind(evaluateCounterIdle, counterIdleStateSchema, shiftCounterIdle),
  'no-change': kind(evaluateNoChange, noChangeStateSchema, shiftNoChange, { stateOutlivesChanges: true }),
  range: kind(evaluateRange, rangeStateSchema, shiftRange, { stateOutlivesChanges: true }),
  event: kind(evaluateEvent, eventStateSchema, shiftEvent, { stateOutlivesChanges: true }),
  'device-silent': kind(evaluateDeviceSilent, deviceSilentStateSchema, shiftDeviceSilent, { stateOutlivesChanges: true, watchesFromConfiguration: true }),
  'points-unreadable': kind(evaluatePointsUnreadable, pointsUnreadableStateSchema, shiftPointsUnreadable, { stateOutlivesChanges: true }),
  geofence: kind(evaluateGeofence, geofenceStateSchema, shiftGeofence),
  'night-noise': kind(evaluateNightNoise, nightNoiseStateSchema, shiftNightNoise),
  'daily-baseline': kind(evaluateDailyBaseline, dailyBaselineStateSchema, shiftDailyBaseline, { stateOutlivesChanges: true }),
  welfare: kind(evaluateWelfare, welfareStateSchema, (s: WelfareState, d) => shiftWelfare(s, d, shiftCounterIdle, shiftNoChange), { scope: 'household' }),
};

export function kindOf(rule: Rule): Kind<Rule, unknown> {
  return RULE_KINDS[rule.kind];
}
