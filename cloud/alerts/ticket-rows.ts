import { isPlausibleTime } from '../ingest/plausible-time.js';
import type { Selectable } from 'kysely';
import type { Alert } from '../../contract/alert.js';
import type { AlertsTable, TicketsTable } from '../db/database.js';
import type { Ticket } from './ticket.js';
import { ticketSubject } from './ticket-subject.js';

/** Conversions between the wire/domain shapes (ISO times) and table rows (epoch ms). */

export function isoToMs(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`"${iso}" is not an ISO 8601 time`);
  return ms;
}

export function msToIso(ms: number): string {
  return new Date(ms).toISOString();
}

export function alertToRow(alert: Alert, receivedAtMs: number): AlertsTable {
  return {
    id: alert.id,
    gateway_id: alert.gatewayId,
    household_id: alert.householdId,
    device_id: alert.deviceId,
    rule: alert.rule,
    kind: alert.kind,
    grade: alert.grade,
    at_ms: isoToMs(alert.at),
    summary: alert.summary,
    details: JSON.stringify(alert.details),
    received_at_ms: receivedAtMs,
    ticket_id: null,
  };
}

/** The ticket a first raise opens: its grade and summary, opened when the gateway saw it. */
export function newTicketRow(id: string, alert: Alert, nowMs: number): TicketsTable {
  return {
    id,
    household_id: alert.householdId,
    device_id: alert.deviceId,
    gateway_id: alert.gatewayId,
    rule: alert.rule,
    subject: ticketSubject(alert),
    grade: alert.grade,
    state: 'open',
    summary: alert.summary,
    // A time far from the cloud's (a gateway's clock not yet set) would sort the ticket first or last for ever.
    opened_at_ms: isPlausibleTime(isoToMs(alert.at), nowMs) ? isoToMs(alert.at) : nowMs,
    updated_at_ms: nowMs,
    alert_count: 1,
    clear_count: 0,
  };
}

export function rowToTicket(row: Selectable<TicketsTable>): Ticket {
  return {
    id: row.id,
    householdId: row.household_id,
    deviceId: row.device_id,
    gatewayId: row.gateway_id,
    rule: row.rule,
    grade: row.grade,
    state: row.state,
    summary: row.summary,
    openedAt: msToIso(row.opened_at_ms),
    updatedAt: msToIso(row.updated_at_ms),
    alertCount: row.alert_count,
    clearCount: row.clear_count,
  };
}

/** What makes two deliveries of one alert id the same alert (not when the cloud received it, nor its ticket). */
type AlertContent = Pick<AlertsTable, 'household_id' | 'device_id' | 'rule' | 'kind' | 'grade' | 'at_ms' | 'summary' | 'details'>;

const CONTENT_FIELDS: ReadonlyArray<[keyof AlertContent, string]> = [
  ['household_id', 'householdId'],
  ['device_id', 'deviceId'],
  ['rule', 'rule'],
  ['kind', 'kind'],
  ['grade', 'grade'],
  ['at_ms', 'at'],
  ['summary', 'summary'],
  ['details', 'details'],
];

/** The wire names of the fields in which `alert` differs from a stored alert of the same id; empty for a true resend. */
export function differingFields(stored: AlertContent, alert: Alert): string[] {
  const row = alertToRow(alert, 0);
  // pg may hand a bigint column back as a string; compare times as numbers.
  return CONTENT_FIELDS.filter(([column]) => (column === 'at_ms' ? Number(stored.at_ms) !== row.at_ms : stored[column] !== row[column])).map(([, name]) => name);
}
