import type { Ticket, TicketState } from '../../cloud/alerts/ticket.js';
import { DEFAULT_TIME_ZONE } from '../../lib/time/local-time.js';

/**
 * What the demo prints for people. Its own labels are Chinese first, English after (texts people
 * read are Chinese first, shared/DESIGN.md section 6); a ticket's summary is the gateway's text.
 */

/** The compound's households and site keep Shanghai time, the gateway's default. */
export const DEMO_TIME_ZONE = DEFAULT_TIME_ZONE;

const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: DEMO_TIME_ZONE,
  weekday: 'short',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'longOffset',
});

/** "Tue 11-24 10:00 +08:00": the compound's local time with its offset, so no reader takes it for theirs. */
export function localTime(ms: number): string {
  const p: Record<string, string> = {};
  for (const part of formatter.formatToParts(ms)) p[part.type] = part.value;
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName!.replace('GMT', '');
  return `${p.weekday} ${p.month}-${p.day} ${p.hour}:${p.minute} ${offset}`;
}

/** The 12345-style states (cloud/alerts/ticket.ts). */
const STATE_ZH: Record<TicketState, string> = {
  open: '受理',
  assigned: '派单',
  acknowledged: '签收',
  on_site: '处置',
  resolved: '办结',
  closed: '回访',
};

/** Two lines (three when it was raised again or cleared) per ticket, for the grid worker. */
export function ticketLines(t: Ticket, sites: ReadonlySet<string>): string {
  const place = sites.has(t.householdId) ? '工地 site' : '住户 household';
  const lines = [
    `工单 ticket ${t.id}  ${t.grade} ${STATE_ZH[t.state]} ${t.state}  ${place} ${t.householdId}  设备 device ${t.deviceId}  开单 opened ${localTime(Date.parse(t.openedAt))}`,
    `  ${t.summary}`,
  ];
  if (t.alertCount > 1 || t.clearCount > 0) {
    const cleared = t.clearCount > 0 ? `, ${t.clearCount} 条解除 cleared` : '';
    lines.push(`  ${t.alertCount} 条告警 raised${cleared}, 最近 last ${localTime(Date.parse(t.updatedAt))}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface RunFigures {
  days: number;
  seconds: number;
  readings: number;
  /** Alerts the gateway delivered. */
  delivered: number;
  /** The same alerts as the cloud holds them, by kind. */
  byKind: { raise: number; clear: number };
  tickets: number;
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * "5 alerts (4 raised, 1 cleared) -> 4 tickets": a ticket counts every alert of its episode,
 * and a clear (the noise stopped) goes to the ticket its raise opened, which stays open for
 * the grid worker.
 */
export function summaryLines(f: RunFigures): string[] {
  const { raise, clear } = f.byKind;
  const lines = [
    `模拟 ${f.days} 天，用时 ${f.seconds.toFixed(1)} 秒：${f.readings} 条读数，${f.delivered} 条告警（${raise} 条触发，${clear} 条解除）-> ${f.tickets} 张工单`,
    `${f.days} simulated days in ${f.seconds.toFixed(1)} s: ${f.readings} readings, ${plural(f.delivered, 'alert')} (${raise} raised, ${clear} cleared) -> ${plural(f.tickets, 'ticket')}`,
  ];
  if (clear > 0) {
    lines.push('解除告警记入其工单，工单仍待网格员办结 / a clear is added to the ticket its alert opened, which stays open until a grid worker resolves it');
  }
  return lines;
}
