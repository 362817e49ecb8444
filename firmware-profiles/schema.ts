import { z } from 'zod';
import { durationSchema } from '../lib/duration.js';
import { metricSchema } from './metrics.js';

/**
 * One numeric value of a JSON payload, in the words of Home Assistant / ThingsBoard users:
 * where it is (`path`, dots for nesting: `COUNTER.C1`), then value = raw * scale + offset.
 */
export const jsonFieldSchema = z
  .object({
    metric: metricSchema,
    path: z.string().min(1),
    /** @default 1 */
    scale: z.number().finite().default(1),
    /** @default 0 */
    offset: z.number().finite().default(0),
    /** A payload without this field is rejected unless it is optional. @default false */
    optional: z.boolean().default(false),
    /** Plausible range after scaling; a value outside it rejects the frame (sensor fault). */
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .strict()
  .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, {
    message: 'min must not exceed max',
    path: ['min'],
  });
export type JsonField = z.infer<typeof jsonFieldSchema>;

export const fixtureSchema = z
  .object({
    /** Frame as the device sends it (the payload text for MQTT JSON). */
    payload: z.string(),
    /** Readings it must decode to; absent = it must be rejected. */
    expect: z.partialRecord(metricSchema, z.number()).optional(),
    /** For a rejected fixture: a part of the reason given. */
    rejectReason: z.string().optional(),
  })
  .strict();

const profileBase = {
  /** `<vendor>/<model>`, also its path under firmware-profiles/. */
  id: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'write <vendor>/<model> in lowercase, e.g. "tasmota/pulse-counter"'),
  vendor: z.string().min(1),
  model: z.string().min(1),
  description: z.string().min(1),
  /** How often the device reports when healthy; a gap over twice this means it was silent. */
  heartbeat: durationSchema,
  fixtures: z.array(fixtureSchema).min(1, 'every profile proves itself with at least one fixture'),
};

/** A device publishing one JSON object per message on its own topic. */
export const mqttJsonProfileSchema = z
  .object({
    ...profileBase,
    transport: z.literal('mqtt-json'),
    /** Topic the device publishes on; `{device}` stands for the device's topic name. */
    topic: z
      .string()
      .refine((t) => t.split('/').filter((l) => l === '{device}').length === 1, 'must contain {device} once as a whole level')
      .refine((t) => !/[+#]/.test(t), 'must not contain MQTT wildcards'),
    fields: z.array(jsonFieldSchema).min(1),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.fields.forEach((f, i) => {
      if (seen.has(f.metric)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'metric'], message: `${f.metric} is mapped twice` });
      seen.add(f.metric);
    });
  });

/** Transports are a discriminated union so Modbus register maps and serial protocols join later. */
export const profileSchema = mqttJsonProfileSchema;
export type ProfileInput = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;
