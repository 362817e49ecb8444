import { noise } from '../models/common.js';

/**
 * When a device reports: every `periodMs` from `origin`, each report `jitterMs` early or late at
 * most, as real devices' timers drift. Report k's time is a pure function of (seed, k), so a day
 * asked alone has the same reports as in a full run.
 */
export interface ReportGrid {
  seed: number;
  origin: number;
  periodMs: number;
  jitterMs: number;
}

export function reportTime(grid: ReportGrid, k: number): number {
  return grid.origin + k * grid.periodMs + Math.round((noise(grid.seed, k) * 2 - 1) * grid.jitterMs);
}

/** The first report (k >= 0) at or after `t`. */
export function firstReportFrom(grid: ReportGrid, t: number): number {
  let k = Math.max(0, Math.floor((t - grid.origin - grid.jitterMs) / grid.periodMs));
  while (reportTime(grid, k) < t) k++;
  return k;
}
