import type { Reading } from '../../contract/reading.js';
import { DAY } from '../models/common.js';
import type { Corpus, CorpusOptions } from './corpus.js';
import { householdReadings } from './device-streams.js';
import { planHousehold } from './household-plan.js';
import { assignPersonas } from './personas.js';
import { Rng, STREAM } from './random.js';

/**
 * The scenario corpus: `households` homes of elders and others living their seeded lives for
 * `days` days from `start` (a local midnight, UTC+8), with the true events a rule must find and
 * the confounders that make rules raise falsely. Each household's plan is made here, once; the
 * readings of a day are computed from the plans when asked, so the same options give the same
 * corpus byte for byte, whichever days are asked and in whatever order.
 */
export function generateCorpus(options: CorpusOptions): Corpus {
  const { seed, households, days, start } = options;
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, not ${seed}`);
  if (!Number.isInteger(households) || households < 0) throw new RangeError(`households must be a non-negative integer, not ${households}`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a positive integer, not ${days}`);
  if (!Number.isFinite(start)) throw new RangeError(`start must be ms since the epoch, not ${start}`);

  const personas = assignPersonas(households, new Rng(seed, STREAM.personas));
  const plans = personas.map((persona, index) => planHousehold({ corpusSeed: seed, index, persona, start, days }));
  const byTime = <T extends { from: number; householdId: string }>(a: T, b: T): number => a.from - b.from || a.householdId.localeCompare(b.householdId);

  return {
    options: { ...options },
    households: plans.map((p) => p.household),
    truth: plans.flatMap((p) => p.truth).sort(byTime),
    confounders: plans.flatMap((p) => p.confounders).sort(byTime),
    readingsOfDay(day: number): Reading[] {
      if (!Number.isInteger(day) || day < 0 || day >= days) throw new RangeError(`day must be 0..${days - 1}, not ${day}`);
      const from = start + day * DAY;
      const readings: Reading[] = [];
      for (const plan of plans) householdReadings(plan, from, from + DAY, readings);
      return readings.sort((a, b) => a.at - b.at || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
    },
  };
}
