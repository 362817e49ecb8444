import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../../lib/ids.js';
import type { AuthResult } from '../http/auth.js';
import { authenticatedRoute } from '../http/authenticated-route.js';
import { ticketSchema, ticketStateSchema, type Ticket } from './ticket.js';
import { DEFAULT_TICKET_LIMIT, MAX_TICKET_LIMIT, type TicketStore } from './ticket-store.js';

/** Query of GET /v1/tickets. Strict: a misspelt filter (`?status=open`) must not return everything. */
export const ticketsQuerySchema = z
  .object({
    state: ticketStateSchema.optional(),
    householdId: idSchema.optional(),
    gatewayId: idSchema.optional(),
    rule: idSchema.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_TICKET_LIMIT).default(DEFAULT_TICKET_LIMIT),
  })
  .strict();

/** 200 answer of GET /v1/tickets. */
export const ticketsResponseSchema = z.object({ tickets: z.array(ticketSchema) });

export interface TicketsRouteOptions {
  store: Pick<TicketStore, 'listTickets'>;
  /**
   * Checks an Authorization header against the readers' token digests (dispatch consoles, the
   * CLI). Gateway tokens are not among them: a gateway posts alerts and reads nothing.
   */
  verifyReader: (authorization: string | undefined) => AuthResult<string>;
}

/** GET /v1/tickets?state=&householdId=&gatewayId=&rule=&limit= -> { tickets }, ordered by openedAt then id. */
export function ticketsRoute(options: TicketsRouteOptions): (app: FastifyInstance) => void {
  return (app) =>
    authenticatedRoute(app, {
      method: 'GET',
      url: '/v1/tickets',
      role: 'reader',
      verify: options.verifyReader,
      query: ticketsQuerySchema,
      handler: async ({ query }): Promise<{ tickets: Ticket[] }> => ({ tickets: await options.store.listTickets(query) }),
    });
}
