import { z } from 'zod';
import { durationSchema } from '../lib/duration.js';
import { idSchema } from '../lib/ids.js';
import { loadConfigFile } from '../lib/config-file.js';

export const simulatedMeterSchema = z
  .object({
    deviceId: idSchema,
    /** @default generic/mqtt-water-flow */
    profile: z.string().default('generic/mqtt-water-flow'),
    topicName: z.string().optional(),
    /** Picks the household's routine; the same seed gives the same days. */
    seed: z.number().int().nonnegative(),
    /** @default 1000 */
    initialVolumeL: z.number().nonnegative().default(1_000),
    /** From then on the household uses no water (ISO 8601 with offset). */
    stopsAt: z.iso.datetime({ offset: true }).optional(),
    /** The meter's MQTT login (the gateway stores its SHA-256). @default username: the device id */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
  })
  .strict();

export const simulateConfigSchema = z
  .object({
    /** The gateway's broker, e.g. mqtt://127.0.0.1:1883 */
    broker: z.string().regex(/^mqtts?:\/\/[^/]+/, 'write an MQTT URL such as mqtt://127.0.0.1:1883'),
    /** How often each meter reports. @default "15m" */
    interval: durationSchema.default(15 * 60_000),
    meters: z.array(simulatedMeterSchema).min(1),
  })
  .strict();

export type SimulateConfigInput = z.input<typeof simulateConfigSchema>;
export type SimulateConfig = z.output<typeof simulateConfigSchema>;

export function loadSimulateConfig(file: string): SimulateConfig {
  return loadConfigFile(simulateConfigSchema, file, 'simulator config');
}
