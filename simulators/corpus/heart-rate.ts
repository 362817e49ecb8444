import { MINUTE, noise } from '../models/common.js';
import { lastReturn, type BandPlan } from './band-plan.js';
import { spanAt } from './timeline.js';

/**
 * The heart rate a band reports at its report k (time t): resting while awake, up for a few
 * minutes after coming home, lower asleep. A low-resting wearer sleeps at 50-56 with now and then
 * one reading of 47-49, never two in a row (only every third report may dip). Over 120 only when
 * the plan says so (a run of tachycardia, one exertion reading).
 */
export function heartRateAt(band: BandPlan, k: number, t: number): number {
  const planned = band.heartRates.get(k);
  if (planned !== undefined) return planned;
  const { heart } = band;
  const n1 = noise(band.hrSeed, k, 1);
  const n2 = noise(band.hrSeed, k, 2);
  const hourly = noise(band.hrSeed, Math.floor(k / 12), 3) - 0.5;
  if (spanAt(band.down, t)) {
    return heart.weakWhenDown ? 52 + Math.floor(7 * n1) : Math.round(clamp(heart.awakeBpm - 4 + 8 * (n1 - 0.5), 55, 95));
  }
  if (spanAt(band.asleep, t)) {
    if (heart.lowResting) return k % 3 === 0 && n2 < 0.06 ? 47 + Math.floor(3 * n1) : 50 + Math.floor(7 * n1);
    return Math.round(Math.max(51, heart.asleepBpm + 8 * (n1 - 0.5) + 4 * hourly));
  }
  let bpm = heart.awakeBpm + 10 * hourly + 8 * (n1 - 0.5);
  const back = lastReturn(band, t);
  if (back !== undefined && t - back < 12 * MINUTE) bpm += 10 + 8 * n2;
  return Math.round(clamp(bpm, heart.lowResting ? 52 : 55, 114));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
