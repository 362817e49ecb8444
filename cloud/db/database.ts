import type { Grade } from '../../contract/alert.js';
import type { TicketState } from '../alerts/ticket.js';
import type { DeviceTables, RegistryTables, UserTables } from './registry-tables.js';

/**
 * The cloud's tables as Kysely sees them. One description serves SQLite and PostgreSQL, so the
 * column types are the ones both engines return the same way: text, and integers as JS numbers
 * (times are milliseconds since the epoch in bigint columns; connect.ts makes pg return those as
 * numbers too).
 */
export interface AlertsTable {
  /** The gateway's deterministic alert id; with gateway_id, the idempotency key of ingest. */
  id: string;
  /** The sending gateway (its token's identity): ids are unique per gateway only. */
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
  /**
   * The device for a per-device rule (alerts/ticket-subject.ts), '' for a per-household one: with
   * gateway, household and rule, what the one non-closed ticket is kept per.
   */
  subject: string;
  grade: Grade;
  state: TicketState;
  summary: string;
  opened_at_ms: number;
  updated_at_ms: number;
  /** Raises on this ticket: the first and its repeats. */
  alert_count: number;
  /** Clears: the gateway saw the condition end. */
  clear_count: number;
}

/**
 * One row per (gateway, reading stream): the high-water mark of what the cloud committed. A
 * reading with seq <= committed_seq is a duplicate; advancing the mark and adding the readings to
 * the rollups happen in one transaction, so each reading counts exactly once.
 */
export interface ReadingStreamsTable {
  gateway_id: string;
  stream: string;
  committed_seq: number;
  /** When the mark last moved (the cloud's clock). */
  updated_at_ms: number;
}

/**
 * What the console shows without asking the telemetry store: per gateway, device, metric and UTC hour
 * (China has no DST and a whole-hour offset, so these are local hours too), the count, sum,
 * extremes and last value of the readings. Values are double precision (REAL on SQLite).
 */
export interface ReadingRollupsHourlyTable {
  device_id: string;
  metric: string;
  /** Start of the hour, epoch ms, UTC. */
  hour_start_ms: number;
  /** The gateway that sent the readings: part of the key, so no gateway adds to another's rows. */
  gateway_id: string;
  /** Of the latest reading folded in (a device may be moved). */
  household_id: string;
  sample_count: number;
  value_sum: number;
  value_min: number;
  value_max: number;
  /** The value of the reading with the latest `at` in the hour, and that time. */
  last_value: number;
  last_at_ms: number;
}

export interface Database extends RegistryTables, UserTables, DeviceTables {
  alerts: AlertsTable;
  tickets: TicketsTable;
  reading_streams: ReadingStreamsTable;
  reading_rollups_hourly: ReadingRollupsHourlyTable;
}

/**
 * The predicate of the partial unique index "one non-closed ticket per gateway, household, rule and
 * subject". The store's ON CONFLICT target must repeat it word for word, or neither engine can
 * match the index.
 */
export const OPEN_TICKET_PREDICATE = "state <> 'closed'";
