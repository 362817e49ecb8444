import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/time/clock.js';
import type { Database } from '../db/database.js';

export interface AuditEntry {
  at: number;
  userId: string;
  action: 'read' | 'export' | 'denied';
  subject: string;
  fields: string[];
  reason: string;
}

/**
 * The append-only record of who read a resident's personal data, what, when and why, and of
 * every refusal (PIPL). It has no update or delete: a row, once written, stays.
 */
export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  /** The entries about one subject (household:hh-101), oldest first. */
  trailOf(subject: string): Promise<AuditEntry[]>;
}

export function createAuditLog(db: Kysely<Database>, clock: Clock): AuditLog {
  return {
    async record(e) {
      await db.insertInto('audit_log').values({ id: randomUUID(), at_ms: clock.now(), user_id: e.userId, action: e.action, subject: e.subject, fields: e.fields.join(','), reason: e.reason }).execute();
    },
    async trailOf(subject) {
      const rows = await db.selectFrom('audit_log').selectAll().where('subject', '=', subject).orderBy('at_ms').orderBy('id').execute();
      return rows.map((r) => ({ at: r.at_ms, userId: r.user_id, action: r.action as AuditEntry['action'], subject: r.subject, fields: r.fields === '' ? [] : r.fields.split(','), reason: r.reason }));
    },
  };
}
