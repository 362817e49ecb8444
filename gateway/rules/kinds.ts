import type { z } from 'zod';
import { counterIdleStateSchema, evaluateCounterIdle } from './counter-idle.js';
import type { Evaluate } from './evaluator.js';
import type { Rule } from './schema.js';

interface Kind<R, S> {
  evaluate: Evaluate<R, S>;
  /** Checks state read back from disk (it may come from an older gridwatch). */
  stateSchema: z.ZodType<S>;
}

type Kinds = { [K in Rule['kind']]: Kind<Extract<Rule, { kind: K }>, unknown> };

/** One evaluator per condition kind; a new kind is a new file and a line here. */
export const RULE_KINDS: Kinds = {
  'counter-idle': { evaluate: evaluateCounterIdle as Evaluate<Rule, unknown>, stateSchema: counterIdleStateSchema },
};

export function kindOf(rule: Rule): Kind<Rule, unknown> {
  return RULE_KINDS[rule.kind] as Kind<Rule, unknown>;
}
