import { z } from 'zod';
import { counterIdleKind, counterIdleRuleSchema } from './counter-idle.js';
import { dailyBaselineKind, dailyBaselineRuleSchema } from './daily-baseline.js';
import { eventKind, eventRuleSchema } from './device-event.js';
import { deviceSilentKind, deviceSilentRuleSchema } from './device-silent.js';
import { geofenceKind, geofenceRuleSchema } from './geofence.js';
import type { Kind } from './kind-api.js';
import { nightNoiseKind, nightNoiseRuleSchema } from './night-noise.js';
import { noChangeKind, noChangeRuleSchema } from './no-change.js';
import { quietSpellKind, quietSpellRuleSchema } from './quiet-spell.js';
import { pointsUnreadableKind, pointsUnreadableRuleSchema } from './points-unreadable.js';
import { rangeKind, rangeRuleSchema } from './range.js';
import { welfareKind, welfareRuleSchema } from './welfare.js';

/**
 * Rules are data (JSON/YAML the cloud can push): a discriminated union of condition kinds, each
 * whole in its own file (schema, evaluator, time shift). A new kind is a new file and a line in
 * each of the two lists below.
 */
export const ruleSchema = z.discriminatedUnion('kind', [
  counterIdleRuleSchema,
  quietSpellRuleSchema,
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
/** A rule as a config file or the cloud writes it (defaults not yet applied). */
export type RuleConfig = z.input<typeof ruleSchema>;
/** A rule with its defaults applied, as the engine runs it. */
export type Rule = z.output<typeof ruleSchema>;

/** Widens a kind for the table: the engine hands each kind only rules of that kind. */
const any = <R, S>(kind: Kind<R, S>): Kind<Rule, unknown> => kind as unknown as Kind<Rule, unknown>;

const KINDS: { [K in Rule['kind']]: Kind<Rule, unknown> } = {
  'counter-idle': any(counterIdleKind),
  'quiet-spell': any(quietSpellKind),
  'no-change': any(noChangeKind),
  range: any(rangeKind),
  event: any(eventKind),
  'device-silent': any(deviceSilentKind),
  'points-unreadable': any(pointsUnreadableKind),
  geofence: any(geofenceKind),
  'night-noise': any(nightNoiseKind),
  'daily-baseline': any(dailyBaselineKind),
  welfare: any(welfareKind),
};

export function kindOf(rule: Rule): Kind<Rule, unknown> {
  return KINDS[rule.kind];
}
