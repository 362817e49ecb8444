import { DAY, HOUR, MINUTE } from '../models/common.js';
import type { HeartTraits } from './personas.js';
import type { Rng } from './random.js';
import { firstReportFrom, reportTime, type ReportGrid } from './report-grid.js';
import { countBelow, lastSpanFrom, mergeSpans, spanAt, type Span, type Timeline } from './timeline.js';

/**
 * The wristband of a household: heard only at home (silent while its wearer is out), worn day and
 * night, put on the charger in the evening when it runs low (reporting only its battery then),
 * and what its heart does: `heart-rate.ts` reads this plan.
 */
export interface Charge {
  from: number;
  until: number;
  startPct: number;
}

export interface BandPlan {
  deviceId: string;
  grid: ReportGrid;
  heart: HeartTraits;
  /** Seeds the heart rate's noise. */
  hrSeed: number;
  start: number;
  /** The wearer out (the band with her, out of the bridge's range): sorted, merged. */
  out: Span[];
  /** Asleep (nights, naps): sorted, merged. */
  asleep: Span[];
  /** Down, unable to get up (incapacitation). */
  down: Span[];
  /** When she came back from outings, sorted: the heart is up for a few minutes. */
  returns: number[];
  charges: Charge[];
  /** Heart rates of given reports (tachycardia, exertion), by report index. */
  heartRates: Map<number, number>;
  alarms: { at: number; event: 'sos' | 'fall' }[];
}

/** The battery in percent, not rounded. */
export function bandBatteryAt(band: Pick<BandPlan, 'charges' | 'heart' | 'start'>, t: number): number {
  const { charges, heart } = band;
  const last = lastSpanFrom(charges, t);
  if (!last) return Math.max(0, heart.startPct - (heart.drainPctPerDay * (t - band.start)) / DAY);
  if (t < last.until) return last.startPct + ((100 - last.startPct) * (t - last.from)) / (last.until - last.from);
  return Math.max(0, 100 - (heart.drainPctPerDay * (t - last.until)) / DAY);
}

export function chargingAt(band: Pick<BandPlan, 'charges'>, t: number): boolean {
  return spanAt(band.charges, t) !== undefined;
}

export interface BandRequest {
  deviceId: string;
  grid: ReportGrid;
  hrSeed: number;
  heart: HeartTraits;
  tl: Timeline;
  start: number;
  days: number;
  down: Span[];
  busy: Span[];
  heartRates: Map<number, number>;
  alarms: { at: number; event: 'sos' | 'fall' }[];
  rnd: Rng;
}

/** The band's plan, and the exertions (a single reading over 120 back from a walk) it shows. */
export function planBand(req: BandRequest): { band: BandPlan; exertions: Span[] } {
  const { tl, rnd, heart } = req;
  const wearerOut = tl.outings.filter((o) => o.wearerOut);
  const band: BandPlan = {
    deviceId: req.deviceId,
    grid: req.grid,
    heart,
    hrSeed: req.hrSeed,
    start: req.start,
    out: mergeSpans(wearerOut.map((o) => ({ from: o.out, until: o.back }))),
    asleep: mergeSpans([...tl.nights, ...tl.naps]),
    down: mergeSpans(req.down),
    returns: wearerOut.map((o) => o.back).sort((a, b) => a - b),
    charges: [],
    heartRates: req.heartRates,
    alarms: [...req.alarms].sort((a, b) => a.at - b.at),
  };
  const clashes = (from: number, until: number): boolean =>
    band.out.some((s) => s.from < until && s.until > from) || req.busy.some((s) => s.from < until && s.until > from);
  const insideAbsence = (from: number, until: number): boolean => band.out.some((s) => s.from <= from && s.until >= until && s.until - s.from > DAY);

  // On the charger in the evening when it would show low by tomorrow evening (while away, on a
  // charger out of range).
  for (let d = 0; d < req.days; d++) {
    const first = req.start + d * DAY + Math.round((heart.chargeHour + rnd.between(-0.5, 0.5)) * HOUR);
    if (bandBatteryAt(band, first + DAY) >= heart.chargeBelowPct) continue;
    const length = Math.round(rnd.between(90, 150)) * MINUTE;
    for (let from = first; from < first + 4 * HOUR; from += 30 * MINUTE) {
      if (clashes(from, from + length) && !insideAbsence(from, from + length)) continue;
      band.charges.push({ from, until: from + length, startPct: bandBatteryAt(band, from) });
      break;
    }
  }

  // Back from a walk or the market up the stairs: one reading over 120, the next one normal.
  const exertions: Span[] = [];
  for (const o of wearerOut) {
    if (!(o.kind === 'walk' || o.kind === 'market' || o.kind === 'errand' || o.kind === 'work') || !rnd.chance(0.15)) continue;
    const k = firstReportFrom(band.grid, o.back);
    const at = reportTime(band.grid, k);
    if (spanAt(band.out, at) || chargingAt(band, at) || spanAt(band.down, at)) continue;
    if (req.busy.some((s) => s.from <= at && s.until > at)) continue;
    if (band.heartRates.has(k - 1) || band.heartRates.has(k) || band.heartRates.has(k + 1)) continue;
    band.heartRates.set(k, rnd.int(121, 135));
    exertions.push({ from: at, until: at + band.grid.periodMs });
  }
  return { band, exertions };
}

/** The last return at or before `t`, if any. */
export function lastReturn(band: Pick<BandPlan, 'returns'>, t: number): number | undefined {
  return band.returns[countBelow(band.returns, t + 1) - 1];
}
