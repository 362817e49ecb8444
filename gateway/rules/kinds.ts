import type { z } from 'zod';
import { counterIdleStateSchema, evaluateCounterIdle } from './counter-idle.js';
import { dailyBaselineStateSchema, evaluateDailyBaseline } from './daily-baseline.js';
import { deviceSilentStateSchema, evaluateDeviceSilent } from './device-silent.js';
import type { Evaluate } from './evaluator.js';
import { eventStateSchema, evaluateEvent } from './event.js';
import { evaluateGeofence, geofenceStateSchema } from './geofence.js';
import { evaluateNightNoise, nightNoiseStateSchema } from './night-noise.js';
import { evaluateNoChange, noChangeStateSchema } from './no-change.js';
import { evaluateRange, rangeStateSchema } from './range.js';
import type { Rule } from './schema.js';

interface Kind<R, S> {
  evaluate: Evaluate<R, S>;
  /** Checks state read back from disk (it may come from an older gridwatch). */
  stateSchema: z.ZodType<S>;
}

type Kinds = { [K in Rule['kind']]: Kind<Extract<Rule, { kind: K }>, unknown> };

/** One evaluator per condition kind. */
export const RULE_KINDS: Kinds = {
  'counter-idle': { evaluate: evaluateCounterIdle as Evaluate<Rule, unknown>, stateSchema: counterIdleStateSchema },
  'no-change': { evaluate: evaluateNoChange as Evaluate<Rule, unknown>, stateSchema: noChangeStateSchema },
  range: { evaluate: evaluateRange as Evaluate<Rule, unknown>, stateSchema: rangeStateSchema },
  event: { evaluate: evaluateEvent as Evaluate<Rule, unknown>, stateSchema: eventStateSchema },
  'device-silent': { evaluate: evaluateDeviceSilent as Evaluate<Rule, unknown>, stateSchema: deviceSilentStateSchema },
  geofence: { evaluate: evaluateGeofence as Evaluate<Rule, unknown>, stateSchema: geofenceStateSchema },
  'night-noise': { evaluate: evaluateNightNoise as Evaluate<Rule, unknown>, stateSchema: nightNoiseStateSchema },
  'daily-baseline': { evaluate: evaluateDailyBaseline as Evaluate<Rule, unknown>, stateSchema: dailyBaselineStateSchema },
};

export function kindOf(rule: Rule): Kind<Rule, unknown> {
  return RULE_KINDS[rule.kind] as Kind<Rule, unknown>;
}
