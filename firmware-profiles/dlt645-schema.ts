import { z } from 'zod';
import { durationSchema } from '../lib/time/duration.js';
import { metricSchema } from '../contract/metrics.js';
import { serialLineSchema } from './modbus-schema.js';

/** One value of a DL/T 645-2007 meter: its data identifier and BCD format (as the standard's tables give them). */
export const dlt645PointSchema = z
  .object({
    metric: metricSchema,
    /** DI3..DI0 as 8 hex digits, e.g. "00010000" (forward active energy, total). */
    di: z.string().regex(/^[0-9a-fA-F]{8}$/, 'write the data identifier as 8 hex digits, e.g. "00010000"'),
    /** BCD bytes of the value (XXXXXX.XX is 4). */
    bytes: z.number().int().min(1).max(8),
    /** Digits after the decimal point (XXXXXX.XX is 2). */
    decimals: z.number().int().min(0).max(6),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
  })
  .strict();
export type Dlt645Point = z.output<typeof dlt645PointSchema>;

export const dlt645FixtureSchema = z
  .object({
    /** The meter's address (12 digits from its nameplate). */
    address: z.string().regex(/^\d{12}$/, 'a DL/T 645 address is 12 digits'),
    /** The meter's replies, one frame per point in order, as hex ("68 12 90 ..."). */
    replies: z.array(z.string().regex(/^[0-9a-fA-F ]+$/)).min(1),
    expect: z.partialRecord(metricSchema, z.number()).optional(),
    rejectReason: z.string().optional(),
  })
  .strict();

export const dlt645TransportFields = {
  transport: z.literal('dlt645'),
  /** The meter's factory serial settings (DL/T 645-2007: 2400 baud, even parity, 8 data bits, 1 stop bit). */
  serial: serialLineSchema,
  pollInterval: durationSchema,
  /** @default "1s" */
  responseTimeout: durationSchema.default(1_000),
  points: z.array(dlt645PointSchema).min(1),
  fixtures: z.array(dlt645FixtureSchema).min(1, 'every profile proves itself with at least one fixture'),
};
