import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { AuditLog } from './audit-log.js';
import { maskPhone } from './phone.js';
import type { HouseholdRecord, RegistryStore } from './registry-store.js';
import { ROLES_SEEING_PHONES } from './roles.js';
import type { User } from './user-store.js';

/** A user asked for a household outside the places their role is bound to (the API answers 403). */
export class AccessDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccessDeniedError';
  }
}

/**
 * The one way a person reads a household's personal data: only within the places their role is
 * bound to (an admin everywhere), phones masked unless the role calls people, every read and
 * every refusal written to the audit log with the reason given. The API and the console go
 * through here.
 */
export interface HouseholdReader {
  read(user: User, householdId: string, reason: string): Promise<HouseholdRecord>;
  /** Whether the user's places cover the household (no audit: reveals nothing personal). */
  mayRead(user: User, householdId: string): Promise<boolean>;
}

export function createHouseholdReader(db: Kysely<Database>, registry: RegistryStore, audit: AuditLog): HouseholdReader {
  async function mayRead(user: User, householdId: string): Promise<boolean> {
    const row = await db.selectFrom('households').select('grid_id').where('id', '=', householdId).executeTakeFirst();
    if (!row) return false;
    if (user.role === 'admin') return true;
    const path = await registry.placePath(row.grid_id);
    return path.some((p) => user.places.includes(p.id));
  }
  return {
    mayRead,
    async read(user, householdId, reason) {
      const subject = `household:${householdId}`;
      if (reason.trim() === '') throw new AccessDeniedError('say why you read this household (a ticket, a visit): the reason is kept with the read');
      if (!(await mayRead(user, householdId))) {
        await audit.record({ userId: user.id, action: 'denied', subject, fields: [], reason });
        throw new AccessDeniedError(`household ${householdId} is not in the places of ${user.id} (${user.role})`);
      }
      const household = (await registry.household(householdId))!;
      await audit.record({ userId: user.id, action: 'read', subject, fields: ['residents', 'contacts'], reason });
      if (ROLES_SEEING_PHONES.has(user.role)) return household;
      return {
        ...household,
        residents: household.residents.map((r) => ({ ...r, phone: r.phone === null ? null : maskPhone(r.phone) })),
        contacts: household.contacts.map((c) => ({ ...c, phone: maskPhone(c.phone) })),
      };
    },
  };
}
