import { z } from 'zod';
import { timeOfDaySchema } from '../../lib/time/local-time.js';
import type { DeviceModel, MetricValues } from '../fleet/device-model.js';
import { MINUTE, SECOND, instantSchema, localHours, noise, seedSchema } from './common.js';

const workHoursSchema = z
  .object({ from: timeOfDaySchema, to: timeOfDaySchema })
  .strict()
  .refine((w) => w.to > w.from, { message: 'must be after from, the same day', path: ['to'] });

const nightWorkSchema = z
  .object({
    from: instantSchema,
    until: instantSchema,
    /** The level the site makes then, in dB(A). */
    dba: z.number().min(30).max(120),
  })
  .strict()
  .refine((w) => w.until > w.from, { message: 'must be after from', path: ['until'] });

export const noiseModelSchema = z
  .object({
    seed: seedSchema,
    /** Local times the site works, every day. @default 07:00-12:00 and 13:00-19:00 */
    workHours: z.array(workHoursSchema).prefault([
      { from: '07:00', to: '12:00' },
      { from: '13:00', to: '19:00' },
    ]),
    /** Work out of hours (the night-noise incident), e.g. 23:00-01:00 at 68 dB(A). @default [] */
    nightWork: z.array(nightWorkSchema).default([]),
  })
  .strict();
export type NoiseModelInput = z.input<typeof noiseModelSchema>;
export type NoiseModelOptions = z.output<typeof noiseModelSchema>;

const BLOCK_MS = 5 * MINUTE;
const BLOCK_S = BLOCK_MS / SECOND;

/**
 * A construction site's sound-level transmitter (noise_dba, one value a second): in works hours
 * 60-66 dB(A) with a few bursts of 72-75 (a breaker, a dropped load), at most two in 5 minutes so
 * that LAeq(5 min) stays under the day limit of 70 (GB 12523-2011); otherwise 40-50 dB(A). Each
 * second's level is a pure function of the seed and the second. Polled only.
 */
export class NoiseModel implements DeviceModel {
  constructor(readonly options: NoiseModelOptions) {}

  valuesAt(at: number): MetricValues {
    const { seed, nightWork, workHours } = this.options;
    const second = Math.floor(at / SECOND);
    const n = noise(seed, 0x50, second);
    const episode = nightWork.find((w) => at >= w.from && at < w.until);
    if (episode) return { noise_dba: round1(episode.dba + (n - 0.5) * 3) };
    const minute = localHours(at) * 60;
    if (!workHours.some((w) => minute >= w.from && minute < w.to)) return { noise_dba: round1(40 + 10 * n) };
    // A 5-min block of works: its own base level and bursts.
    const block = Math.floor(at / BLOCK_MS);
    const secondOfBlock = second - block * BLOCK_S;
    const base = 60 + 6 * noise(seed, 0xb0, block);
    const bursts = Math.floor(noise(seed, 0xb1, block) * 3);
    for (let i = 0; i < bursts; i++) {
      const start = Math.floor(noise(seed, 0xb2, block, i) * (BLOCK_S - 10));
      const length = 4 + Math.floor(noise(seed, 0xb3, block, i) * 7);
      if (secondOfBlock >= start && secondOfBlock < start + length) return { noise_dba: round1(72 + 3 * n) };
    }
    return { noise_dba: round1(base + (n - 0.5) * 4) };
  }

  nextReportAfter(): undefined {
    return undefined;
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** A noise sensor model from options as written in a config file. */
export function noiseModel(input: NoiseModelInput): NoiseModel {
  return new NoiseModel(noiseModelSchema.parse(input));
}
