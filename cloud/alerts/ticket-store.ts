import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Alert, Grade } from '../../contract/alert.js';
import type { Clock } from '../../lib/time/clock.js';
import { OPEN_TICKET_PREDICATE, type Database } from '../db/database.js';
import { withTransactionRetry } from '../db/transaction-retry.js';
import type { IngestAlertsResponse } from '../../contract/ingest-wire.js';
import type { Ticket, TicketState } from './ticket.js';
import { AlertIdConflictError } from '../ingest/alert-conflict.js';
import { alertToRow, differingFields, newTicketRow, rowToTicket } from './ticket-rows.js';
import { ticketSubject } from './ticket-subject.js';

export type IngestAlertResult = IngestAlertsResponse['results'][number];

export interface TicketFilter {
  state?: TicketState | undefined;
  householdId?: string | undefined;
  gatewayId?: string | undefined;
  rule?: string | undefined;
  /** @default 100, at most 500 */
  limit?: number | undefined;
}

export interface TicketStore {
  /**
   * Commits a gateway's batch in one transaction and answers one result per alert, in order.
   * Idempotent per (sending gateway, alert id): a resend (or a repeat inside the batch) is
   * 'duplicate' and gets the ticket id the first delivery got; the same id from another gateway
   * is another alert. A known id with other content throws AlertIdConflictError and commits
   * nothing.
   */
  recordAlerts(alerts: readonly Alert[]): Promise<IngestAlertResult[]>;
  /** Tickets ordered by openedAt, then id. */
  listTickets(filter?: TicketFilter): Promise<Ticket[]>;
  /** Alerts held, by kind: a ticket counts raises and clears alike, a reader wants them apart. */
  countAlerts(): Promise<Record<Alert['kind'], number>>;
}

export const DEFAULT_TICKET_LIMIT = 100;
export const MAX_TICKET_LIMIT = 500;
/** Rows per multi-row statement: 500 x 13 columns stays under SQLite's 32766 parameters. */
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
      if (filter.gatewayId !== undefined) query = query.where('gateway_id', '=', filter.gatewayId);
      if (filter.rule !== undefined) query = query.where('rule', '=', filter.rule);
      const rows = await query.orderBy('opened_at_ms').orderBy('id').limit(limit).execute();
      return rows.map(rowToTicket);
    },

    async countAlerts() {
      const rows = await db.selectFrom('alerts').select(['kind', (eb) => eb.fn.countAll<number | string | bigint>().as('n')]).groupBy('kind').execute();
      const counts = { raise: 0, clear: 0 };
      // PostgreSQL answers COUNT(*) as a bigint string.
      for (const r of rows) counts[r.kind] = Number(r.n);
      return counts;
    },
  };
}

async function recordInTransaction(
  trx: Transaction<Database>,
  alerts: readonly Alert[],
  nowMs: number,
): Promise<IngestAlertResult[]> {
  // Idempotent per sending gateway: an id is the gateway's own (one gateway cannot use up
  // another's ids), so every key below is (gateway, id).
  const firstIndexOf = new Map<string, number>();
  const conflicts: Array<{ index: number; alertId: string; fields: string[] }> = [];
  alerts.forEach((a, i) => {
    const first = firstIndexOf.get(alertKey(a));
    if (first === undefined) firstIndexOf.set(alertKey(a), i);
    else {
      const fields = differingFields(alertToRow(alerts[first]!, nowMs), a);
      if (fields.length > 0) conflicts.push({ index: i, alertId: a.id, fields });
    }
  });
  const distinct = [...firstIndexOf.values()].map((i) => alerts[i]!);

  // Insert first, decide later: ON CONFLICT DO NOTHING is what makes two replicas that receive
  // the same resend agree (the second waits for the first's commit, then skips).
  const inserted = new Set<string>();
  for (const part of chunks(distinct)) {
    const rows = await trx
      .insertInto('alerts')
      .values(part.map((a) => alertToRow(a, nowMs)))
      .onConflict((oc) => oc.columns(['gateway_id', 'id']).doNothing())
      .returning(['gateway_id', 'id'])
      .execute();
    for (const r of rows) inserted.add(rowKey(r.gateway_id, r.id));
  }

  // Seen before: the same alert again (a resend) or another one under a known id (a conflict).
  const ticketOf = new Map<string, string | null>();
  for (const [gatewayId, seen] of byGateway(distinct.filter((a) => !inserted.has(alertKey(a))))) {
    for (const part of chunks(seen)) {
      const rows = await trx
        .selectFrom('alerts')
        .select(['id', 'ticket_id', 'household_id', 'device_id', 'rule', 'kind', 'grade', 'at_ms', 'summary', 'details'])
        .where('gateway_id', '=', gatewayId)
        .where('id', 'in', part.map((a) => a.id))
        .execute();
      const stored = new Map(rows.map((r) => [r.id, r]));
      for (const a of part) {
        const row = stored.get(a.id);
        if (row === undefined) continue;
        ticketOf.set(alertKey(a), row.ticket_id);
        const fields = differingFields(row, a);
        if (fields.length > 0) conflicts.push({ index: firstIndexOf.get(alertKey(a))!, alertId: a.id, fields });
      }
    }
  }
  // Thrown inside the transaction: nothing of the batch is committed.
  if (conflicts.length > 0) throw new AlertIdConflictError(conflicts.sort((x, y) => x.index - y.index));

  // New alerts meet their ticket (household, rule and subject) in request order (a raise then a clear).
  // Worked out per group in memory, then written with a few statements per batch rather than
  // one or two per alert: round trips are what ingest pays for.
  const fresh = distinct.filter((a) => inserted.has(alertKey(a)));
  const linked = await linkToTickets(trx, fresh, nowMs);
  for (const [alert, ticketId] of linked) ticketOf.set(alertKey(alert), ticketId);
  for (const [gatewayId, mine] of byGateway(linked.map(([alert]) => alert))) {
    const ticketOfMine = new Map(linked.filter(([a]) => a.gatewayId === gatewayId).map(([a, t]) => [a.id, t]));
    for (const part of chunks(mine)) {
      const cases = sql.join(part.map((a) => sql`when ${a.id} then ${ticketOfMine.get(a.id)!}`), sql` `);
      await trx
        .updateTable('alerts')
        .set({ ticket_id: sql<string>`case id ${cases} end` })
        .where('gateway_id', '=', gatewayId)
        .where('id', 'in', part.map((a) => a.id))
        .execute();
    }
  }

  return alerts.map((alert, i) => ({
    alertId: alert.id,
    status: firstIndexOf.get(alertKey(alert)) === i && inserted.has(alertKey(alert)) ? 'created' : 'duplicate',
    ticketId: ticketOf.get(alertKey(alert)) ?? null,
  }));
}

const rowKey = (gatewayId: string, id: string) => `${gatewayId}\u0000${id}`;
const alertKey = (alert: Alert) => rowKey(alert.gatewayId, alert.id);

/** Alerts by sending gateway, each list in the given order. */
function byGateway(alerts: readonly Alert[]): Map<string, Alert[]> {
  const groups = new Map<string, Alert[]>();
  for (const a of alerts) {
    const list = groups.get(a.gatewayId);
    if (list) list.push(a);
    else groups.set(a.gatewayId, [a]);
  }
  return groups;
}

interface Group {
  gatewayId: string;
  householdId: string;
  rule: string;
  /** ticketSubject: the device for a per-device rule, '' for a per-household one. */
  subject: string;
  alerts: Alert[];
}

/** A ticket belongs to the gateway that raised it: no gateway appends to another's ticket. */
const groupKey = (gatewayId: string, householdId: string, rule: string, subject: string) => [gatewayId, householdId, rule, subject].join('\u0000');

/**
 * Links new alerts to tickets: the alerts of each (gateway, household, rule, subject) append to
 * its non-closed ticket (one per household, or per device for the rules of ticket-subject.ts);
 * with none, leading clears stay unlinked and the first raise opens one. The open is an insert
 * that yields to the partial unique index (ON CONFLICT ... DO NOTHING), so a replica racing us to
 * open the same ticket never sees a unique violation: the loser's insert waits for the winner's
 * commit, finds its ticket and appends to it. Appends are one UPDATE per chunk of tickets, in id
 * order (two replicas lock rows in the same order), with counts added, never overwritten.
 */
async function linkToTickets(trx: Transaction<Database>, alerts: readonly Alert[], nowMs: number): Promise<Array<[alert: Alert, ticketId: string]>> {
  const groups = new Map<string, Group>();
  for (const alert of alerts) {
    const subject = ticketSubject(alert);
    const key = groupKey(alert.gatewayId, alert.householdId, alert.rule, subject);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { gatewayId: alert.gatewayId, householdId: alert.householdId, rule: alert.rule, subject, alerts: [] }));
    g.alerts.push(alert);
  }
  const open = await openTickets(trx, [...groups.values()]);

  // Groups without a ticket open one at their first raise (their leading clears stay unlinked).
  const toOpen = [...groups.entries()].filter(([key, g]) => !open.has(key) && g.alerts.some((a) => a.kind === 'raise'));
  for (const part of chunks(toOpen)) {
    const rows = part.map(([, g]) => {
      const first = g.alerts.findIndex((a) => a.kind === 'raise');
      const from = g.alerts.slice(first);
      return { ...newTicketRow(randomUUID(), g.alerts[first]!, nowMs), ...countsOf(from), grade: mostUrgent(from) };
    });
    const opened = await trx
      .insertInto('tickets')
      .values(rows)
      .onConflict((oc) => oc.columns(['gateway_id', 'household_id', 'rule', 'subject']).where(sql.raw<boolean>(OPEN_TICKET_PREDICATE)).doNothing())
      .returning(['id', 'gateway_id', 'household_id', 'rule', 'subject'])
      .execute();
    for (const r of opened) open.set(groupKey(r.gateway_id, r.household_id, r.rule, r.subject), { id: r.id, openedHere: true });
  }
  // Lost a race to another replica: its ticket is open now; append to it.
  const lost = toOpen.filter(([key]) => !open.has(key)).map(([, g]) => g);
  if (lost.length > 0) for (const [key, t] of await openTickets(trx, lost)) open.set(key, t);

  const linked: Array<[Alert, string]> = [];
  const appends: Array<{ id: string; raises: number; clears: number; grade: Grade | null }> = [];
  for (const [key, g] of groups) {
    const ticket = open.get(key);
    if (!ticket) continue;
    // A ticket opened here already counts its alerts from the first raise on.
    const from = ticket.openedHere ? g.alerts.findIndex((a) => a.kind === 'raise') : 0;
    for (const a of g.alerts.slice(from)) linked.push([a, ticket.id]);
    if (!ticket.openedHere) {
      const raises = g.alerts.filter((a) => a.kind === 'raise');
      appends.push({ id: ticket.id, raises: raises.length, clears: g.alerts.length - raises.length, grade: raises.length > 0 ? mostUrgent(raises) : null });
    }
  }
  appends.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  for (const part of chunks(appends)) {
    const raises = sql.join(part.map((p) => sql`when ${p.id} then cast(${p.raises} as integer)`), sql` `);
    const clears = sql.join(part.map((p) => sql`when ${p.id} then cast(${p.clears} as integer)`), sql` `);
    const graded = part.filter((p) => p.grade !== null);
    // A raise can make a ticket more urgent, never less; a clear leaves the grade alone.
    const grades = graded.length === 0 ? sql`grade` : sql`case id ${sql.join(graded.map((p) => sql`when ${p.id} then (case when grade > ${p.grade} then ${p.grade} else grade end)`), sql` `)} else grade end`;
    await trx
      .updateTable('tickets')
      .set({ alert_count: sql<number>`alert_count + case id ${raises} end`, clear_count: sql<number>`clear_count + case id ${clears} end`, grade: sql<Grade>`${grades}`, updated_at_ms: nowMs })
      .where('id', 'in', part.map((p) => p.id))
      .execute();
  }
  return linked;
}

/** A new ticket's counts: its raises and clears, from its first raise on. */
function countsOf(alerts: readonly Alert[]): { alert_count: number; clear_count: number } {
  const raises = alerts.filter((a) => a.kind === 'raise').length;
  return { alert_count: raises, clear_count: alerts.length - raises };
}

/** The non-closed ticket of each group that has one, by group key. */
async function openTickets(trx: Transaction<Database>, groups: readonly Group[]): Promise<Map<string, { id: string; openedHere: boolean }>> {
  const found = new Map<string, { id: string; openedHere: boolean }>();
  for (const part of chunks(groups, 200)) {
    const rows = await trx
      .selectFrom('tickets')
      .select(['id', 'gateway_id', 'household_id', 'rule', 'subject'])
      .where(sql.raw<boolean>(OPEN_TICKET_PREDICATE))
      .where((eb) =>
        eb.or(part.map((g) => eb.and([eb('gateway_id', '=', g.gatewayId), eb('household_id', '=', g.householdId), eb('rule', '=', g.rule), eb('subject', '=', g.subject)]))),
      )
      .execute();
    for (const r of rows) found.set(groupKey(r.gateway_id, r.household_id, r.rule, r.subject), { id: r.id, openedHere: false });
  }
  return found;
}

/** The most urgent grade among raises ('P1' < 'P2' as text). */
function mostUrgent(alerts: readonly Alert[]): Grade {
  return alerts.filter((a) => a.kind === 'raise').reduce<Grade>((best, a) => (a.grade < best ? a.grade : best), 'P4');
}


function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
