import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { durationSchema } from '../../../lib/time/duration.js';
import { deviceIdSchema } from '../../../contract/device-context.js';
import { replyTimeoutSchema, serialDeviceServerSchema, serialSettingFields } from '../polling/line-config.js';

/** A Modbus device on a bus: its profile says how to read it. */
export const modbusDeviceConfigSchema = z
  .object({
    id: deviceIdSchema,
    householdId: idSchema,
    profile: z.string().min(1),
    /** @default the profile's unitId */
    unitId: z.number().int().min(1).max(247).optional(),
    /** How often it is read. @default the profile's */
    pollInterval: durationSchema.optional(),
    /** How long its reply may take (a slow RS-485 sensor). @default the bus's, else the profile's */
    responseTimeout: replyTimeoutSchema.optional(),
  })
  .strict();

const MODBUS_LINKS = ['tcp', 'rtu', 'rtuOverTcp'] as const;

export const modbusBusConfigSchema = z
  .object({
    id: idSchema,
    /** A Modbus TCP gateway (or device). */
    tcp: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(502) }).strict().optional(),
    /** An RS-485 line on a serial port; settings default to the devices' profiles. */
    rtu: z
      .object({ path: z.string().min(1), ...serialSettingFields })
      .strict()
      .optional(),
    /** An RS-485 line behind a serial device server: Modbus RTU frames, CRCs and all, over TCP. */
    rtuOverTcp: serialDeviceServerSchema.optional(),
    /** How long a reply may take on this bus, for every device that does not set its own. @default each profile's */
    responseTimeout: replyTimeoutSchema.optional(),
    devices: z.array(modbusDeviceConfigSchema).min(1, 'list the devices on this bus'),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = MODBUS_LINKS.filter((k) => b[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', path: ['tcp'], message: 'give one of tcp, rtu or rtuOverTcp' });
    for (const extra of given.slice(1)) ctx.addIssue({ code: 'custom', path: [extra], message: `give only one of tcp, rtu or rtuOverTcp (${given[0]} is given)` });
  });
export type ModbusBusConfig = z.infer<typeof modbusBusConfigSchema>;
