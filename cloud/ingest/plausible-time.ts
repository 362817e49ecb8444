import type { IssueReport } from '../../lib/validation.js';

const DAY_MS = 86_400_000;

/**
 * How far from the cloud's clock an item's `at` may be. Back: a gateway keeps alerts for ever
 * and may come back after a long outage, so a year and a month. Ahead: a gateway's clock may
 * run a little fast, a day at most. Outside it, a time is a broken clock (a box that booted in
 * 1970) or a broken frame (year 0, year 9999), and would sort first in every list.
 */
export const PLAUSIBLE_TIME = { pastMs: 400 * DAY_MS, futureMs: DAY_MS } as const;

/** Whether `atMs` is within the window around `nowMs` (the cloud's clock). */
export function isPlausibleTime(atMs: number, nowMs: number): boolean {
  return atMs >= nowMs - PLAUSIBLE_TIME.pastMs && atMs <= nowMs + PLAUSIBLE_TIME.futureMs;
}

/** An issue per item whose `at` is outside the window around `nowMs` (the cloud's clock), path `<list>[i].at`. */
export function implausibleTimes(list: 'alerts' | 'readings', items: ReadonlyArray<{ at: string }>, nowMs: number): IssueReport[] {
  return items.flatMap((item, i) => {
    if (isPlausibleTime(Date.parse(item.at), nowMs)) return [];
    return [{ path: `${list}[${i}].at`, message: `${item.at} is not within ${PLAUSIBLE_TIME.pastMs / DAY_MS} days before and ${PLAUSIBLE_TIME.futureMs / DAY_MS} day after the cloud's clock (${new Date(nowMs).toISOString()})` }];
  });
}
