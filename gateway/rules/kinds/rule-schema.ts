import { z } from 'zod';
import { counterIdleRuleSchema } from './counter-idle.js';
import { dailyBaselineRuleSchema } from './daily-baseline.js';
import { deviceSilentRuleSchema } from './device-silent.js';
import { eventRuleSchema } from './device-event.js';
import { geofenceRuleSchema } from './geofence.js';
import { nightNoiseRuleSchema } from './night-noise.js';
import { noChangeRuleSchema } from './no-change.js';
import { pointsUnreadableRuleSchema } from './points-unreadable.js';
import { rangeRuleSchema } from './range.js';
import { welfareRuleSchema } from './welfare.js';

/**
 * Rules are data (JSON/YAML the cloud can push): a discriminated union of condition kinds, each
 * defined with its evaluator in its own file. A new kind is a new file, a line here and a line in
 * registry.ts.
 */
export const ruleSchema = z.discriminatedUnion('kind', [
  counterIdleRuleSchema,
  noChangeRuleSchema,
  rangeRuleSchema,
  eventRuleSchema,
  deviceSilentRuleSchema,
  pointsUnreadableRuleSchema,
  geofenceRuleSchema,
  nightNoiseRuleSchema,
  dailyBaselineRuleSchema,
  welfareRuleSchema,
]);
export type RuleInput = z.input<typeof ruleSchema>;
export type Rule = z.output<typeof ruleSchema>;
