import type { DeviceContext } from '../../../contract/device-context.js';
import { mixSeed, seededRandom } from '../../../lib/seeded-random.js';
import { DAY, SECOND, hoursOfDay, type Scheduled } from './timeline.js';

export interface NoiseSiteOptions {
  siteId: string;
  seed: number;
  /** Local midnight the simulation starts at. */
  start: number;
  days: number;
  /** Works in [from, until) local hours, every day. @default [8, 18] */
  worksHours?: readonly [number, number];
  /** Work out of hours: samples in [from, until) read about `dba`. */
  loud?: ReadonlyArray<{ from: number; until: number; dba: number }>;
}

/** Sample interval while something happens on site (works, or out-of-hours work). */
export const BUSY_SAMPLE_MS = 10 * SECOND;
/**
 * Sample interval while the site is quiet: the night-noise rule needs 10 samples (its minSamples)
 * in every 5-min block to judge it, so 30 s is the slowest that keeps quiet blocks judged, and
 * it keeps 30 days of samples to about 160,000.
 */
export const QUIET_SAMPLE_MS = 30 * SECOND;

/**
 * A construction site's sound-level transmitter (noise_dba): 60-68 dB(A) during works hours,
 * about 40 dB(A) otherwise. Its heartbeat is the slowest sampling, so a quiet night is not silence.
 */
export function noiseSite(options: NoiseSiteOptions): { device: DeviceContext; readings: Scheduled[] } {
  const { siteId, seed, start, days } = options;
  const [worksFrom, worksUntil] = options.worksHours ?? [8, 18];
  const loud = options.loud ?? [];
  const device: DeviceContext = { deviceId: `${siteId}-noise`, householdId: siteId, heartbeatMs: QUIET_SAMPLE_MS };
  const rnd = seededRandom(mixSeed(seed, 6));
  const readings: Scheduled[] = [];
  const end = start + days * DAY;
  for (let t = start; t < end; ) {
    const hours = hoursOfDay(start, t);
    const works = hours >= worksFrom && hours < worksUntil;
    const outOfHours = loud.find((l) => t >= l.from && t < l.until);
    const level = outOfHours ? outOfHours.dba - 0.5 + rnd() : works ? 60 + 8 * rnd() : 38 + 4 * rnd();
    readings.push({ device, reading: { deviceId: device.deviceId, at: t, metrics: { noise_dba: Math.round(level * 10) / 10 } } });
    t += works || outOfHours ? BUSY_SAMPLE_MS : QUIET_SAMPLE_MS;
  }
  return { device, readings };
}
