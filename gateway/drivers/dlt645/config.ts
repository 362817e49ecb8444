import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { durationSchema } from '../../../lib/time/duration.js';
import { deviceIdSchema } from '../../../contract/device-context.js';
import { replyTimeoutSchema, serialDeviceServerSchema, serialSettingFields } from '../polling/line-config.js';

/** An RS-485 line of DL/T 645-2007 meters and the meters on it (by nameplate address). */
export const dlt645LineConfigSchema = z
  .object({
    id: idSchema,
    /** The serial port of the line. */
    path: z.string().min(1).optional(),
    /** Or the serial device server the line is on (its raw DL/T 645 frames over TCP). */
    tcp: serialDeviceServerSchema.optional(),
    /** Serial settings of a `path` line default to the meters' profiles (DL/T 645-2007: 2400 8E1). */
    ...serialSettingFields,
    devices: z
      .array(
        z
          .object({
            id: deviceIdSchema,
            householdId: idSchema,
            profile: z.string().min(1),
            address: z.string().regex(/^\d{12}$/, "the meter's 12-digit address from its nameplate"),
            /** How often it is read. @default the profile's */
            pollInterval: durationSchema.optional(),
            /** How long its reply may take. @default the line's, else the profile's */
            responseTimeout: replyTimeoutSchema.optional(),
          })
          .strict(),
      )
      .min(1, 'list the meters on this line'),
    /** How long a reply may take on this line, for every meter that does not set its own. @default each profile's */
    responseTimeout: replyTimeoutSchema.optional(),
  })
  .strict()
  .superRefine((line, ctx) => {
    if ((line.path === undefined) === (line.tcp === undefined)) {
      ctx.addIssue({ code: 'custom', path: [line.path === undefined ? 'path' : 'tcp'], message: 'give either path (a serial port) or tcp (a serial device server)' });
    }
    if (line.tcp === undefined) return;
    for (const key of Object.keys(serialSettingFields) as Array<keyof typeof serialSettingFields>) {
      if (line[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'a line behind a serial device server takes its serial settings from the box: set them there' });
    }
  });
export type Dlt645LineConfig = z.infer<typeof dlt645LineConfigSchema>;
