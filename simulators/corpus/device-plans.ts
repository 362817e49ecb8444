import { DAY, HOUR, MINUTE } from '../models/common.js';
import type { ReportGrid } from './report-grid.js';
import { countBelow, MAX_DRAW_MS, type DoorUse, type Draw, type Span } from './timeline.js';

/**
 * What the water meter and the door contact need to report any instant of the corpus: the
 * household's draws as sorted arrays with running totals (so the volume at any instant is a
 * binary search, and a day asked alone reads the same as in a full run), and the door's uses.
 */
export interface WaterPlan {
  deviceId: string;
  grid: ReportGrid;
  start: number;
  /** The register at `start`, litres. */
  baseL: number;
  batteryPct: number;
  batteryPctPerDay: number;
  /** The report k with k % 24 === batteryPhase carries the battery (every 6 h). */
  batteryPhase: number;
  dripLph: number;
  /** The main valve shut (away): not even a drip. */
  valveClosed: Span[];
  /** Reports that never come (a dead meter). */
  dead: { firstK: number; count: number }[];
  drawAt: Float64Array;
  drawLitres: Float64Array;
  drawLpm: Float64Array;
  /** drawnBefore[i]: litres of draws 0..i-1, all run. */
  drawnBefore: Float64Array;
}

export interface DoorPlan {
  deviceId: string;
  grid: ReportGrid;
  start: number;
  batteryPct: number;
  batteryPctPerDay: number;
  /** Sorted, not overlapping. */
  opens: Float64Array;
  closes: Float64Array;
}

export function waterPlanOf(base: Omit<WaterPlan, 'drawAt' | 'drawLitres' | 'drawLpm' | 'drawnBefore'>, draws: readonly Draw[]): WaterPlan {
  const sorted = [...draws].sort((a, b) => a.at - b.at);
  const drawAt = new Float64Array(sorted.length);
  const drawLitres = new Float64Array(sorted.length);
  const drawLpm = new Float64Array(sorted.length);
  const drawnBefore = new Float64Array(sorted.length + 1);
  sorted.forEach((d, i) => {
    drawAt[i] = d.at;
    drawLitres[i] = d.litres;
    drawLpm[i] = d.lpm;
    drawnBefore[i + 1] = drawnBefore[i]! + d.litres;
  });
  return { ...base, drawAt, drawLitres, drawLpm, drawnBefore };
}

/** Litres on the register at `t` (not rounded). */
export function volumeAt(w: WaterPlan, t: number): number {
  const i = countBelow(w.drawAt, t);
  let litres = w.drawnBefore[i]!;
  // Draws still running at t have not all run yet.
  for (let j = i - 1; j >= 0 && w.drawAt[j]! > t - MAX_DRAW_MS; j--) {
    const ran = (w.drawLpm[j]! * (t - w.drawAt[j]!)) / MINUTE;
    if (ran < w.drawLitres[j]!) litres -= w.drawLitres[j]! - ran;
  }
  if (w.dripLph > 0) {
    let closed = 0;
    for (const s of w.valveClosed) closed += Math.max(0, Math.min(t, s.until) - Math.max(w.start, s.from));
    litres += (w.dripLph * (t - w.start - closed)) / HOUR;
  }
  return w.baseL + litres;
}

export function meterDeadAt(w: WaterPlan, k: number): boolean {
  return w.dead.some((d) => k >= d.firstK && k < d.firstK + d.count);
}

export function doorPlanOf(base: Omit<DoorPlan, 'opens' | 'closes'>, uses: readonly DoorUse[]): DoorPlan {
  return { ...base, opens: Float64Array.from(uses, (u) => u.open), closes: Float64Array.from(uses, (u) => u.close) };
}

export function doorOpenAt(door: DoorPlan, t: number): boolean {
  const i = countBelow(door.opens, t + 1) - 1;
  return i >= 0 && t < door.closes[i]!;
}

/** A slowly draining primary cell, percent shown whole. */
export function drainedPct(startPct: number, perDay: number, start: number, t: number): number {
  return Math.max(0, Math.round(startPct - (perDay * (t - start)) / DAY));
}
