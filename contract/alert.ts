import { z } from 'zod';
import { idSchema } from '../lib/ids.js';

/** Ticket grades (shared/DESIGN.md section 6): P1 SOS/fall/heart ... P4 device/battery. */
export const gradeSchema = z.enum(['P1', 'P2', 'P3', 'P4']);
export type Grade = z.infer<typeof gradeSchema>;

/**
 * What a rule emits and what travels gateway -> outbox -> cloud. The id is deterministic
 * (gateway, rule, device, episode, kind), so a resend after a crash or a lost response is the
 * same alert and the cloud can be idempotent on it.
 */
export const alertSchema = z
  .object({
    id: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    gatewayId: idSchema,
    householdId: idSchema,
    deviceId: idSchema,
    /** The id of the rule that fired, e.g. "no-water-use". */
    rule: idSchema,
    kind: z.enum(['raise', 'clear']),
    /** Grade the rule assigns; the cloud may escalate it later. */
    grade: gradeSchema,
    /** When the condition was detected, on the gateway's clock (ISO 8601 with offset). */
    at: z.iso.datetime({ offset: true }),
    /** One line a grid worker can read. */
    summary: z.string().min(1).max(500),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
  })
  .strict();

export type Alert = z.infer<typeof alertSchema>;
