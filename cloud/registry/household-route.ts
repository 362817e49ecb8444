import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { idSchema } from '../../lib/ids.js';
import { parseBearer, type AuthResult } from '../http/auth.js';
import { authenticatedRoute } from '../http/authenticated-route.js';
import { HttpError, invalidInput } from '../http/errors.js';
import { AccessDeniedError, type HouseholdReader } from './household-reader.js';
import type { UserStore } from './user-store.js';

/** Query of GET /v1/households/:id: why the household is read (kept with the read in the audit log). */
export const householdQuerySchema = z.object({ reason: z.string().trim().min(1, 'say why you read this household (a ticket, a visit)').max(200) }).strict();
const paramsSchema = z.object({ id: idSchema }).strict();

export const householdResponseSchema = z.object({
  household: z.object({
    id: z.string(),
    gridId: z.string(),
    compoundId: z.string().nullable(),
    building: z.string(),
    unit: z.string(),
    room: z.string(),
    address: z.string(),
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    tags: z.array(z.string()),
    residents: z.array(z.object({ name: z.string(), phone: z.string().nullable(), birthYear: z.number(), birthMonth: z.number() })),
    contacts: z.array(z.object({ name: z.string(), relation: z.string(), phone: z.string(), consent: z.boolean() })),
    absences: z.array(z.object({ id: z.string(), from: z.number(), until: z.number(), reason: z.string(), reportedBy: z.string() })),
  }),
});

/** A user's API token, looked up in the registry: the principal is the user's id. */
export function userTokenVerifier(users: Pick<UserStore, 'userForToken'>): (authorization: string | undefined) => Promise<AuthResult<string>> {
  return async (authorization) => {
    const token = parseBearer(authorization);
    if (token === null) return { ok: false, reason: 'missing' };
    const user = await users.userForToken(token);
    return user ? { ok: true, principal: user.id } : { ok: false, reason: 'unknown' };
  };
}

export interface HouseholdRouteOptions {
  users: Pick<UserStore, 'userForToken' | 'user'>;
  reader: HouseholdReader;
}

/**
 * GET /v1/households/:id?reason= -> { household }: a user's token only, within the places their
 * role is bound to (403 otherwise, and for a household that does not exist, so nobody learns which
 * ids do), phones masked unless the role calls people; the read or the refusal is audited.
 */
export function householdRoute(options: HouseholdRouteOptions): (app: FastifyInstance) => void {
  return (app) =>
    authenticatedRoute(app, {
      method: 'GET',
      url: '/v1/households/:id',
      role: 'user',
      verify: userTokenVerifier(options.users),
      query: householdQuerySchema,
      handler: async ({ request, principal, query }) => {
        const params = paramsSchema.safeParse(request.params);
        if (!params.success) throw invalidInput('query', params.error);
        const user = await options.users.user(principal);
        if (!user) throw new HttpError(403, 'forbidden', `user ${principal} is disabled`);
        try {
          return { household: await options.reader.read(user, params.data.id, query.reason) };
        } catch (err) {
          if (err instanceof AccessDeniedError) throw new HttpError(403, 'forbidden', err.message);
          throw err;
        }
      },
    });
}
