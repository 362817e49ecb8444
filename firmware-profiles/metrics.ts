import { z } from 'zod';

/**
 * The normalized vocabulary rules rely on: a profile maps a device's own field names onto these,
 * so a rule about `volume_l` works for every water meter, whatever its firmware calls the value.
 * `counter` metrics only grow (until a reset or rollover); `gauge` metrics go up and down.
 */
export const METRICS = {
  /** A household connection (DN15/DN20 meter) passes at most ~80 L/min; 100 leaves headroom. */
  volume_l: { unit: 'L', kind: 'counter', description: 'cumulative water volume', maxRatePerMinute: 100 },
  flow_lpm: { unit: 'L/min', kind: 'gauge', description: 'instantaneous water flow' },
  battery_pct: { unit: '%', kind: 'gauge', description: 'battery level' },
} as const;

export type Metric = keyof typeof METRICS;
export const metricSchema = z.enum(Object.keys(METRICS) as [Metric, ...Metric[]]);

export function isCounter(metric: Metric): boolean {
  return METRICS[metric].kind === 'counter';
}

/** Fastest a counter can physically grow, per minute; a faster jump is a fault, not use. */
export function maxRatePerMinute(metric: Metric): number {
  const m = METRICS[metric];
  return 'maxRatePerMinute' in m ? m.maxRatePerMinute : Number.POSITIVE_INFINITY;
}
