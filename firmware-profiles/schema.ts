import { z } from 'zod';
import { durationSchema } from '../lib/time/duration.js';
import { deviceEventSchema, metricSchema } from '../contract/metrics.js';
import { dlt645TransportFields } from './dlt645-schema.js';
import { modbusTransportFields } from './modbus-schema.js';

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

/** A true/false field mapped onto a 0/1 metric: Zigbee2MQTT's `contact: true` (closed) -> contact_closed 1. */
export const jsonFlagSchema = z
  .object({
    metric: metricSchema,
    path: z.string().min(1),
    /** The metric is 1 when the field is true, unless inverted. @default false */
    invert: z.boolean().default(false),
    /** @default false */
    optional: z.boolean().default(false),
  })
  .strict();
export type JsonFlag = z.infer<typeof jsonFlagSchema>;

/**
 * An event the frame reports when a field has a given value: Tuya's `action: "emergency"`, a
 * wristband's `sos: true`. Other values, or the field missing, report nothing (they are the
 * device's other messages), never an error.
 */
export const jsonEventSchema = z
  .object({
    event: deviceEventSchema,
    path: z.string().min(1),
    equals: z.union([z.string(), z.boolean(), z.number()]),
  })
  .strict();
export type JsonEvent = z.infer<typeof jsonEventSchema>;

export const fixtureSchema = z
  .object({
    /** Frame as the device sends it (the payload text for MQTT JSON). */
    payload: z.string(),
    /** Readings it must decode to; absent = it must be rejected. */
    expect: z.partialRecord(metricSchema, z.number()).optional(),
    /** Events it must report. @default none */
    expectEvents: z.array(deviceEventSchema).optional(),
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
  /**
   * Worn by a resident and heard only at home (a wristband reporting through the home's
   * Wi-Fi/BLE bridge): it falls silent when its wearer goes out, so a silence that began as the
   * door was used is "out", not "silent". @default false
   */
  homeRangeOnly: z.boolean().default(false),
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
    /** Numeric values. @default none */
    fields: z.array(jsonFieldSchema).default([]),
    /** True/false values as 0/1 metrics. @default none */
    flags: z.array(jsonFlagSchema).default([]),
    /** Events. @default none */
    events: z.array(jsonEventSchema).default([]),
    /**
     * Where the device (or the bridge that carries it) says it went offline or came back, often
     * as its MQTT will: `online`/`offline` in any case, or `{"state":"online"}`. @default none
     */
    availability: z
      .object({
        /** The device's own, with `{device}`: Tasmota's `tele/{device}/LWT`, Zigbee2MQTT's `zigbee2mqtt/{device}/availability`. */
        topic: z.string().refine((t) => t.split('/').filter((l) => l === '{device}').length === 1 && !/[+#]/.test(t), 'must contain {device} once as a whole level, no wildcards'),
        /** The bridge's, for all its devices: Zigbee2MQTT's `zigbee2mqtt/bridge/state`. */
        bridgeTopic: z.string().refine((t) => !t.includes('{device}') && !/[+#]/.test(t), 'no {device}, no wildcards').optional(),
      })
      .strict()
      .optional(),
    fixtures: z.array(fixtureSchema).min(1, 'every profile proves itself with at least one fixture'),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.fields.length + p.flags.length + p.events.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'map at least one field, flag or event' });
    }
    const seen = new Set<string>();
    const check = (metric: string, path: Array<string | number>) => {
      if (seen.has(metric)) ctx.addIssue({ code: 'custom', path, message: `${metric} is mapped twice` });
      seen.add(metric);
    };
    p.fields.forEach((f, i) => check(f.metric, ['fields', i, 'metric']));
    p.flags.forEach((f, i) => check(f.metric, ['flags', i, 'metric']));
  });

export type MqttJsonProfile = z.output<typeof mqttJsonProfileSchema>;

/** A Modbus RTU/TCP device described by its register map. */
export const modbusProfileSchema = z
  .object({ ...profileBase, ...modbusTransportFields })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.points.forEach((point, i) => {
      if (seen.has(point.metric)) ctx.addIssue({ code: 'custom', path: ['points', i, 'metric'], message: `${point.metric} is mapped twice` });
      seen.add(point.metric);
    });
  });
export type ModbusProfile = z.output<typeof modbusProfileSchema>;

/** A DL/T 645-2007 meter on a serial line (the Chinese residential meter). */
export const dlt645ProfileSchema = z.object({ ...profileBase, ...dlt645TransportFields }).strict();
export type Dlt645Profile = z.output<typeof dlt645ProfileSchema>;

/** A sample frame of a 4G band and what it must decode to (or be rejected for). */
export const watchFixtureSchema = z
  .object({
    /** One message as the band sends it over TCP: `[SG*8800000015*0002*LK]`. */
    frame: z.string().regex(/^\[.*\]$/s, 'one message in brackets, as the band sends it'),
    /** Readings it must decode to; absent = it must be rejected. */
    expect: z.partialRecord(metricSchema, z.number()).optional(),
    /** Events it must report. @default none */
    expectEvents: z.array(deviceEventSchema).optional(),
    /** For a rejected fixture: a part of the reason given. */
    rejectReason: z.string().optional(),
  })
  .strict();

/**
 * A 4G wristband speaking the "3G watch" protocol over TCP (codecs/watch-3g.ts): the band dials
 * in, so the profile says only how often it reports and proves the codec with its frames.
 */
export const watch3gProfileSchema = z
  .object({
    ...profileBase,
    transport: z.literal('watch-3g'),
    fixtures: z.array(watchFixtureSchema).min(1, 'every profile proves itself with at least one fixture'),
  })
  .strict();
export type Watch3gProfile = z.output<typeof watch3gProfileSchema>;

/** One schema, a discriminated union on the transport. */
export const profileSchema = z.discriminatedUnion('transport', [mqttJsonProfileSchema, modbusProfileSchema, dlt645ProfileSchema, watch3gProfileSchema]);
export type ProfileInput = z.input<typeof profileSchema>;
export type Profile = z.output<typeof profileSchema>;
