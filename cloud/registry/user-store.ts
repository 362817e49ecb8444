import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { idSchema } from '../../lib/ids.js';
import type { Clock } from '../../lib/time/clock.js';
import { generateToken, hashToken } from '../../lib/tokens.js';
import type { Database } from '../db/database.js';
import { withTransactionRetry } from '../db/transaction-retry.js';
import { phoneSchema } from './phone.js';
import { RegistryError } from './registry-error.js';
import { ROLE_PLACE_LEVELS, roleSchema, type Role } from './roles.js';

export const userInputSchema = z
  .object({
    id: idSchema,
    name: z.string().trim().min(1).max(100),
    role: roleSchema,
    /** At least 10 characters; absent for a user of API tokens only. */
    password: z.string().min(10, 'a password of at least 10 characters').max(200).optional(),
    phone: phoneSchema.optional(),
    /** The places the role is bound to (grids for a grid worker ...); none for an admin. */
    places: z.array(idSchema).max(200).default([]),
  })
  .strict();
export type UserInput = z.input<typeof userInputSchema>;

export interface User {
  id: string;
  name: string;
  role: Role;
  places: string[];
}

/**
 * Users, the places their role is bound to, their passwords (argon2id, by @node-rs/argon2: a
 * kept, memory-hard hash) and API tokens (32 random bytes shown once; only the SHA-256 is kept,
 * which is enough for a secret that long).
 */
export interface UserStore {
  addUser(input: UserInput): Promise<User>;
  user(id: string): Promise<User | undefined>;
  /** The user whose password this is; undefined for a wrong password, an unknown or disabled user. */
  checkPassword(id: string, password: string): Promise<User | undefined>;
  /** A new API token for the user: the token itself is returned once and never stored. */
  issueToken(userId: string, label: string, expiresAt?: number): Promise<{ id: string; token: string }>;
  /** The user a presented token belongs to, unless it is revoked, expired, or its user disabled. */
  userForToken(token: string): Promise<User | undefined>;
  revokeToken(id: string): Promise<void>;
  disable(userId: string): Promise<void>;
}

/** Hashed once at start, so a check for an unknown user costs as much as one for a known user. */
let decoyHash: Promise<string> | undefined;

export function createUserStore(db: Kysely<Database>, clock: Clock): UserStore {
  async function load(id: string, includeDisabled = false): Promise<(User & { passwordHash: string | null }) | undefined> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (row.disabled === 1 && !includeDisabled)) return undefined;
    const places = await db.selectFrom('user_places').select('place_id').where('user_id', '=', id).orderBy('place_id').execute();
    return { id: row.id, name: row.name, role: roleSchema.parse(row.role), places: places.map((p) => p.place_id), passwordHash: row.password_hash };
  }
  const strip = (u: (User & { passwordHash: string | null }) | undefined): User | undefined => u && { id: u.id, name: u.name, role: u.role, places: u.places };

  return {
    async addUser(input) {
      const u = userInputSchema.parse(input);
      const levels = ROLE_PLACE_LEVELS[u.role];
      if (u.role === 'admin' && u.places.length > 0) throw new RegistryError('wrong_level', 'places', 'an admin is bound to no place');
      if (u.role !== 'admin' && u.places.length === 0) throw new RegistryError('wrong_level', 'places', `a ${u.role} needs the places they work in (${levels.join(' or ')})`);
      const passwordHash = u.password === undefined ? null : await hash(u.password);
      await withTransactionRetry(() =>
        db.transaction().execute(async (trx) => {
          if (await trx.selectFrom('users').select('id').where('id', '=', u.id).executeTakeFirst()) throw new RegistryError('exists', 'id', `user ${u.id} exists already`);
          for (const [i, placeId] of u.places.entries()) {
            const place = await trx.selectFrom('places').select(['id', 'level']).where('id', '=', placeId).executeTakeFirst();
            if (!place) throw new RegistryError('unknown_place', `places[${i}]`, `no place ${placeId}`);
            if (!levels.includes(place.level)) throw new RegistryError('wrong_level', `places[${i}]`, `${placeId} is a ${place.level}; a ${u.role} is bound to a ${levels.join(' or ')}`);
          }
          await trx.insertInto('users').values({ id: u.id, name: u.name, role: u.role, password_hash: passwordHash, phone: u.phone ?? null, created_at_ms: clock.now(), disabled: 0 }).execute();
          if (u.places.length > 0) await trx.insertInto('user_places').values([...new Set(u.places)].map((place_id) => ({ user_id: u.id, place_id }))).execute();
        }),
      );
      return { id: u.id, name: u.name, role: u.role, places: [...new Set(u.places)].sort() };
    },

    async user(id) {
      return strip(await load(id));
    },

    async checkPassword(id, password) {
      const u = await load(id);
      if (!u?.passwordHash) {
        await verify(await (decoyHash ??= hash('gridwatch-decoy-password')), password);
        return undefined;
      }
      return (await verify(u.passwordHash, password)) ? strip(u) : undefined;
    },

    async issueToken(userId, label, expiresAt) {
      if (!(await load(userId))) throw new RegistryError('unknown_user', 'userId', `no user ${userId}`);
      const { token, sha256 } = generateToken();
      const id = randomUUID();
      await db.insertInto('api_tokens').values({ id, user_id: userId, token_sha256: sha256, label, created_at_ms: clock.now(), expires_at_ms: expiresAt ?? null, revoked_at_ms: null }).execute();
      return { id, token };
    },

    async userForToken(token) {
      // Looked up by its digest (an index), so no comparison against other users' tokens happens.
      const row = await db.selectFrom('api_tokens').selectAll().where('token_sha256', '=', hashToken(token)).executeTakeFirst();
      if (!row || row.revoked_at_ms !== null || (row.expires_at_ms !== null && row.expires_at_ms <= clock.now())) return undefined;
      return strip(await load(row.user_id));
    },

    async revokeToken(id) {
      await db.updateTable('api_tokens').set({ revoked_at_ms: clock.now() }).where('id', '=', id).where('revoked_at_ms', 'is', null).execute();
    },

    async disable(userId) {
      await db.updateTable('users').set({ disabled: 1 }).where('id', '=', userId).execute();
    },
  };
}
