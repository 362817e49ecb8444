import { z } from 'zod';
import type { PlaceLevel } from '../db/registry-tables.js';

/**
 * The roles of people who work with gridwatch, and the level of the places each is bound to: a
 * grid worker (网格员) to grids, the community (社区) and street office (街道) dispatchers and the
 * district department to theirs; an installer to the communities or streets they fit out; an
 * admin to none (everything). What a role sees is decided on the server, never by the client.
 */
export const ROLES = ['installer', 'grid-worker', 'community', 'street-dispatcher', 'district', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

export const ROLE_PLACE_LEVELS: Record<Role, readonly PlaceLevel[]> = {
  installer: ['community', 'street'],
  'grid-worker': ['grid'],
  community: ['community'],
  'street-dispatcher': ['street'],
  district: ['district'],
  admin: [],
};

/**
 * Roles that call residents and their families (a grid worker on a ticket, a dispatcher routing
 * it) see phone numbers whole; every other role sees them masked (138****5678). Least access:
 * an installer fits sensors and an admin manages accounts, neither calls anyone.
 */
export const ROLES_SEEING_PHONES: ReadonlySet<Role> = new Set(['grid-worker', 'community', 'street-dispatcher']);
