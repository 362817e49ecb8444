import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Alert, Grade } from '../../gateway/rules/alert.js';
import type { Clock } from '../../lib/clock.js';
import { OPEN_TICKET_PREDICATE, type Database } from '../db/database.js';
import { withTransactionRetry } from '../db/transaction-retry.js';
import type { IngestAlertsResponse } from '../ingest/wire.js';
import type { Ticket, TicketState } from './ticket.js';
import { alertToRow, newTicketRow, rowToTicket } from './ticket-rows.js';

export type IngestAlertResult = IngestAlertsResponse['results'][number];

export interface TicketFilter {
  state?: TicketState | undefined;
  householdId?: string | undefined;
  rule?: string | undefined;
  /** @default 100, at most 500 */
  limit?: number | undefined;
}

export interface TicketStore {
  /**
   * Commits a gateway's batch in one transaction and answers one result per alert, in order.
   * Idempotent on alert id: a resend (or a repeat inside the batch) is 'duplicate' and gets the
   * ticket id the first delivery got.
   */
  recordAlerts(alerts: readonly Alert[]): Promise<IngestAlertResult[]>;
  /** Tickets ordered by openedAt, then id. */
  listTickets(filter?: TicketFilter): Promise<Ticket[]>;
}

export const DEFAULT_TICKET_LIMIT = 100;
export const MAX_TICKET_LIMIT = 500;
/** Rows per multi-row statement: 500 x 12 columns stays under SQLite's 32766 parameters. */
const CHUNK = 500;

export function createTicketStore(db: Kysely<Database>, clock: Clock): TicketStore {
  return {
    async recordAlerts(alerts) {
      if (alerts.length === 0) return [];
      return withTransactionRetry(() => db.transaction().execute((trx) => recordInTransaction(trx, alerts, clock.now())));
    },

    async listTickets(filter = {}) {
      const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? DEFAULT_TICKET_LIMIT)), MAX_TICKET_LIMIT);
      let query = db.selectFrom('tickets').selectAll();
      if (filter.state !== undefined) query = query.where('state', '=', filter.state);
      if (filter.householdId !== undefined) query = query.where('household_id', '=', filter.householdId);
      if (filter.rule !== undefined) query = query.where('rule', '=', filter.rule);
      const rows = await query.orderBy('opened_at_ms').orderBy('id').limit(limit).execute();
      return rows.map(rowToTicket);
    },
  };
}

async function recordInTransaction(
  trx: Transaction<Database>,
  alerts: readonly Alert[],
  nowMs: number,
): Promise<IngestAlertResult[]> {
  // Insert first, decide later: ON CONFLICT (id) DO NOTHING is what makes two replicas that
  // receive the same resend agree (the second waits for the first's commit, then skips).
  const firstIndexOf = new Map<string, number>();
  alerts.forEach((a, i) => firstIndexOf.has(a.id) || firstIndexOf.set(a.id, i));
  const distinct = [...firstIndexOf.values()].map((i) => alerts[i]!);

  const inserted = new Set<string>();
  for (const part of chunks(distinct)) {
    const rows = await trx
      .insertInto('alerts')
      .values(part.map((a) => alertToRow(a, nowMs)))
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    for (const r of rows) inserted.add(r.id);
  }

  const ticketOf = new Map<string, string | null>();
  const seenBefore = distinct.filter((a) => !inserted.has(a.id)).map((a) => a.id);
  for (const part of chunks(seenBefore)) {
    const rows = await trx.selectFrom('alerts').select(['id', 'ticket_id']).where('id', 'in', part).execute();
    for (const r of rows) ticketOf.set(r.id, r.ticket_id);
  }

  // New alerts in request order, since a raise then a clear must meet the ticket in that order.
  const linked: Array<[alertId: string, ticketId: string]> = [];
  for (const alert of distinct) {
    if (!inserted.has(alert.id)) continue;
    const ticketId = alert.kind === 'raise' ? await raise(trx, alert, nowMs) : await appendToOpenTicket(trx, alert, nowMs);
    ticketOf.set(alert.id, ticketId);
    if (ticketId !== null) linked.push([alert.id, ticketId]);
  }
  // One statement per chunk instead of one per alert: round trips are what ingest pays for.
  for (const part of chunks(linked)) {
    const cases = sql.join(part.map(([alertId, ticketId]) => sql`when ${alertId} then ${ticketId}`), sql` `);
    await trx
      .updateTable('alerts')
      .set({ ticket_id: sql<string>`case id ${cases} end` })
      .where('id', 'in', part.map(([alertId]) => alertId))
      .execute();
  }

  return alerts.map((alert, i) => ({
    alertId: alert.id,
    status: firstIndexOf.get(alert.id) === i && inserted.has(alert.id) ? 'created' : 'duplicate',
    ticketId: ticketOf.get(alert.id) ?? null,
  }));
}

/**
 * Appends to the household + rule's non-closed ticket, or opens one. The insert yields to the
 * partial unique index (ON CONFLICT ... DO NOTHING), so a replica racing us to open the same
 * ticket never sees a unique violation: its insert waits for our commit, finds our ticket and
 * does nothing, and its next append lands on it. The loop also covers a ticket closed between
 * our two statements. Append comes first because repeats are what a flood of alerts is made of.
 */
async function raise(trx: Transaction<Database>, alert: Alert, nowMs: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const appended = await appendToOpenTicket(trx, alert, nowMs);
    if (appended !== null) return appended;
    const opened = await trx
      .insertInto('tickets')
      .values(newTicketRow(randomUUID(), alert, nowMs))
      .onConflict((oc) => oc.columns(['household_id', 'rule']).where(sql.raw<boolean>(OPEN_TICKET_PREDICATE)).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (opened) return opened.id;
    if (attempt >= 3) throw new Error(`no open ticket for ${alert.householdId}/${alert.rule} after ${attempt} attempts`);
  }
}

/** Appends to the non-closed ticket of the alert's household + rule; null when there is none. */
async function appendToOpenTicket(trx: Transaction<Database>, alert: Alert, nowMs: number): Promise<string | null> {
  const row = await trx
    .updateTable('tickets')
    .set((eb) => ({
      alert_count: eb('alert_count', '+', 1),
      updated_at_ms: nowMs,
      // A raise can make the ticket more urgent, never less; a clear leaves the grade alone.
      ...(alert.kind === 'raise' ? { grade: moreUrgent(alert.grade) } : {}),
    }))
    .where('household_id', '=', alert.householdId)
    .where('rule', '=', alert.rule)
    .where(sql.raw<boolean>(OPEN_TICKET_PREDICATE))
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

/** P1 is the most urgent, and 'P1' < 'P2' as text on both engines, so "more urgent" is "smaller". */
function moreUrgent(grade: Grade) {
  return sql<Grade>`case when grade > ${grade} then ${grade} else grade end`;
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}
