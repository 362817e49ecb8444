import { maxRatePerMinute, resetDrop, type Metric } from '../../../contract/metrics.js';

/** Counters are decimals (12345.6 L); binary sums of them are not exact (16.4 - 6.4 < 10). */
export const EPSILON = 1e-6;

export interface CounterIncrease {
  /** Use since the last reading, in the metric's unit; 0 when none or not believable. */
  increase: number;
  /** The highest value since the last reset: use counts only above it. */
  peak: number;
  anomaly?: string;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/**
 * How much a cumulative counter (water, energy) really grew. Use counts only above the highest
 * value seen since the last reset, so a reading that jitters down and back books nothing (it
 * would otherwise add phantom use all day and hide an elder in trouble). A fall by more than the
 * metric's resetDrop is a reset or a replaced meter, and a rise faster than the quantity can
 * flow is a fault: both start a new baseline, with an anomaly to log.
 */
export function counterIncrease(metric: Metric, lastValue: number, peak: number | undefined, value: number, elapsedMs: number): CounterIncrease {
  const high = peak ?? lastValue;
  if (value < high - resetDrop(metric) - EPSILON) {
    return { increase: 0, peak: value, anomaly: `${metric} went back from ${high} to ${value}: a reset or a new meter, counted from ${value}` };
  }
  const delta = value - high;
  if (delta < EPSILON) return { increase: 0, peak: high };
  const elapsedMin = elapsedMs / 60_000;
  if (delta > maxRatePerMinute(metric) * Math.max(1, elapsedMin)) {
    return { increase: 0, peak: value, anomaly: `${metric} jumped by ${round(delta)} in ${round(elapsedMin)} min, faster than it can: taken as a new baseline` };
  }
  return { increase: delta, peak: value };
}
