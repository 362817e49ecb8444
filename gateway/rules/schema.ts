import { z } from 'zod';
import { durationSchema } from '../../lib/duration.js';
import { idSchema } from '../../lib/ids.js';
import { isCounter, metricSchema } from '../../firmware-profiles/metrics.js';
import { gradeSchema } from './alert.js';

/**
 * "No change of a counter over a window": less than `minIncrease` of `metric` within `window`,
 * while the device kept reporting the whole time (a silent device is "device silent", not this).
 * The catalogue's "no water use" is one of these on `volume_l`.
 */
export const counterIdleRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('counter-idle'),
    /** What a grid worker reads first in the alert, e.g. "no water use". */
    title: z.string().min(1).max(80),
    metric: metricSchema.refine(isCounter, 'counter-idle needs a counter metric such as volume_l'),
    window: durationSchema,
    /** Use below this much (in the metric's unit) within the window raises the alert. */
    minIncrease: z.number().positive(),
    grade: gradeSchema,
  })
  .strict();

/** Rules are data (JSON/YAML the cloud can push), one kind per condition; more kinds join this union. */
export const ruleSchema = z.discriminatedUnion('kind', [counterIdleRuleSchema]);
export type RuleInput = z.input<typeof ruleSchema>;
export type Rule = z.output<typeof ruleSchema>;
export type CounterIdleRule = z.output<typeof counterIdleRuleSchema>;
