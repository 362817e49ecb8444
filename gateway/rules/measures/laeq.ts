import { z } from 'zod';

/**
 * The sound energy of a run of A-weighted levels, for LAeq = 10 log10(mean(10^(L/10))).
 * Levels are decibels, so they are averaged as energy, never as numbers: 50 and 70 dB(A) are
 * 67.0 dB(A), not 60. The energy is kept relative to the loudest level (log-sum-exp), so every
 * term is at most 1 and a long run of loud samples neither overflows nor drowns quiet ones.
 */
export const energySumSchema = z.object({
  samples: z.number().int().nonnegative(),
  /** The loudest level so far; null before the first sample. */
  lmax: z.number().nullable(),
  /** Sum over the samples of 10^((L - lmax) / 10). */
  energy: z.number().nonnegative(),
});
export type EnergySum = z.infer<typeof energySumSchema>;

export const EMPTY_ENERGY: EnergySum = { samples: 0, lmax: null, energy: 0 };

export function addLevel(sum: EnergySum, level: number): EnergySum {
  if (sum.lmax === null) return { samples: 1, lmax: level, energy: 1 };
  if (level <= sum.lmax) return { samples: sum.samples + 1, lmax: sum.lmax, energy: sum.energy + 10 ** ((level - sum.lmax) / 10) };
  // A new loudest level: rescale what was summed so far to it.
  return { samples: sum.samples + 1, lmax: level, energy: sum.energy * 10 ** ((sum.lmax - level) / 10) + 1 };
}

/** The equivalent continuous level of the samples summed; NaN when there are none. */
export function laeqOf(sum: EnergySum): number {
  if (sum.lmax === null || sum.samples === 0) return Number.NaN;
  return sum.lmax + 10 * Math.log10(sum.energy / sum.samples);
}

/** LAeq of a list of levels in dB(A). */
export function laeq(levels: Iterable<number>): number {
  let sum = EMPTY_ENERGY;
  for (const level of levels) sum = addLevel(sum, level);
  return laeqOf(sum);
}
