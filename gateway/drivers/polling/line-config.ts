import { z } from 'zod';
import { durationSchema } from '../../../lib/time/duration.js';

/** A reply timeout set in gateway.yaml: long enough for a slow RS-485 line, short enough not to stall it. */
export const replyTimeoutSchema = durationSchema.refine((ms) => ms >= 20 && ms <= 30_000, 'a reply timeout between 20ms and 30s');

/**
 * A serial device server (串口服务器, e.g. a USR-TCP232 in transparent mode): the RS-485 line's
 * raw bytes over TCP. Its serial settings are set on the box itself.
 */
export const serialDeviceServerSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();

export const serialSettingFields = {
  baudRate: z.number().int().positive().optional(),
  parity: z.enum(['none', 'even', 'odd']).optional(),
  dataBits: z.union([z.literal(7), z.literal(8)]).optional(),
  stopBits: z.union([z.literal(1), z.literal(2)]).optional(),
};
