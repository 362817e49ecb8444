import type { Reading } from '../../../contract/reading.js';
import type { DeviceContext } from '../../../contract/device-context.js';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** One frame a simulated device sends, and the device it comes from. */
export interface Scheduled {
  device: DeviceContext;
  reading: Reading;
}

/**
 * Local time of a simulated day, for Asia/Shanghai (UTC+8 all year, no daylight saving):
 * `localTime(start)(day, hours)` is `hours` (fractional) after the local midnight that starts `day`.
 * Rounded to the second, as device clocks and frames are.
 */
export function localTime(start: number): (day: number, hours: number) => number {
  return (day, hours) => start + day * DAY + Math.round((hours * HOUR) / SECOND) * SECOND;
}

/** Local hours since midnight of an instant (UTC+8; `start` is a local midnight). */
export function hoursOfDay(start: number, at: number): number {
  return (((at - start) % DAY) + DAY) % DAY / HOUR;
}

/** The simulated day (0-based) an instant falls in. */
export function dayOf(start: number, at: number): number {
  return Math.floor((at - start) / DAY);
}

/**
 * Every device's frames on one time line, in time order: frames at the same instant keep the
 * order they were listed in (Array.prototype.sort is stable).
 */
export function mergeByTime(...schedules: ReadonlyArray<readonly Scheduled[]>): Scheduled[] {
  return schedules.flat().sort((a, b) => a.reading.at - b.reading.at);
}

/** Metres north/east of a point, in degrees (fine for a few kilometres). */
export function offsetM(p: { lat: number; lon: number }, northM: number, eastM: number): { lat: number; lon: number } {
  const M_PER_DEG = 111_195;
  return { lat: p.lat + northM / M_PER_DEG, lon: p.lon + eastM / (M_PER_DEG * Math.cos((p.lat * Math.PI) / 180)) };
}
