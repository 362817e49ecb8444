import { z } from 'zod';
import { gradeSchema } from '../../contract/alert.js';

/**
 * The 12345-style closed loop (shared/DESIGN.md section 6): open (受理) -> assigned (派单) ->
 * acknowledged -> on_site (处置) -> resolved (办结) -> closed (回访).
 */
export const ticketStateSchema = z.enum(['open', 'assigned', 'acknowledged', 'on_site', 'resolved', 'closed']);
export type TicketState = z.infer<typeof ticketStateSchema>;

export const ticketSchema = z.object({
  id: z.string(),
  householdId: z.string(),
  /**
   * The device of the first alert. For a per-device rule (the device-health rules,
   * PER_DEVICE_RULES in ticket-subject.ts) every alert of the ticket is this device's; another
   * device of the household has a ticket of its own.
   */
  deviceId: z.string(),
  gatewayId: z.string(),
  rule: z.string(),
  grade: gradeSchema,
  state: ticketStateSchema,
  summary: z.string(),
  /** ISO 8601: when the first alert of the ticket was raised on the gateway. */
  openedAt: z.string(),
  updatedAt: z.string(),
  /** Alerts raised on this ticket: the first and its repeats. */
  alertCount: z.number().int(),
  /** Clears appended: the gateway saw the condition end (the ticket stays for a person to close). */
  clearCount: z.number().int(),
});
export type Ticket = z.infer<typeof ticketSchema>;
