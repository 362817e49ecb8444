import type { Grade } from '../../gateway/rules/alert.js';
import type { TicketState } from '../alerts/ticket.js';

/**
 * The cloud's tables as Kysely sees them. One description serves SQLite and PostgreSQL, so the
 * column types are the ones both engines return the same way: text, and integers as JS numbers
 * (times are milliseconds since the epoch in bigint columns; connect.ts makes pg return those as
 * numbers too).
 */
export interface AlertsTable {
  /** The gateway's deterministic alert id: the idempotency key of ingest. */
  id: string;
  gateway_id: string;
  household_id: string;
  device_id: string;
  rule: string;
  kind: 'raise' | 'clear';
  grade: Grade;
  /** When the gateway detected the condition (its clock). */
  at_ms: number;
  summary: string;
  /** The alert's details object as JSON text (portable: no json type needed on SQLite). */
  details: string;
  /** When the cloud committed the alert (the cloud's clock). */
  received_at_ms: number;
  /** Null for a clear that found no open ticket. */
  ticket_id: string | null;
}

export interface TicketsTable {
  id: string;
  household_id: string;
  device_id: string;
  gateway_id: string;
  rule: string;
  grade: Grade;
  state: TicketState;
  summary: string;
  opened_at_ms: number;
  updated_at_ms: number;
  alert_count: number;
}

export interface Database {
  alerts: AlertsTable;
  tickets: TicketsTable;
}

/**
 * The predicate of the partial unique index "one non-closed ticket per household + rule". The
 * store's ON CONFLICT target must repeat it word for word, or neither engine can match the index.
 */
export const OPEN_TICKET_PREDICATE = "state <> 'closed'";
