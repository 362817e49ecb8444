import { mixSeed, seededRandom } from '../../lib/seeded-random.js';
import { MINUTE, SECOND, localTime } from './common.js';

/** Where she goes: the compound's park, the market, a bench outside, the bins by the gate. */
export type Place = 'park' | 'market' | 'bench' | 'bins';

export interface Outing {
  /** She opens the door and leaves. */
  out: number;
  /** She is back and opens the door again. */
  back: number;
  place: Place;
}

/** One day of an elder living alone, in ms since the epoch. */
export interface ElderDay {
  wake: number;
  /** She goes to bed (this evening). */
  sleep: number;
  /** In time order, none overlapping, all inside the day. */
  outings: Outing[];
  /** She opens the door for a moment at bedtime, to lock up. */
  bedtimeCheck: number;
}

/**
 * The day of an elder living alone, the same for every device of her home given the same seed:
 * up between 06:00 and 07:00, a morning walk in the compound's park, the market after
 * 08:30, often a bench outside in the afternoon, the bins before 19:30, the door locked around
 * 21:00, in bed before 22:00. Nothing crosses midnight, so a day never depends on the one before.
 */
export function planElderDay(seed: number, day: number): ElderDay {
  const rnd = seededRandom(mixSeed(seed, 0x5eed_da7, day));
  const between = (a: number, b: number): number => a + (b - a) * rnd();
  const minutes = (a: number, b: number): number => Math.round(between(a, b)) * MINUTE;
  const wake = localTime(day, between(6, 7));
  // Out every morning: the door is never quiet 12 h overnight, so a home whose water stops is
  // not also a welfare case unless its door stops too.
  const park = wake + minutes(15, 25);
  const outings: Outing[] = [{ out: park, back: park + minutes(40, 55), place: 'park' }];
  const market = localTime(day, between(8 + 35 / 60, 9 + 25 / 60));
  outings.push({ out: market, back: market + minutes(60, 90), place: 'market' });
  if (rnd() < 0.6) {
    const out = localTime(day, between(14, 16));
    outings.push({ out, back: out + minutes(30, 60), place: 'bench' });
  }
  const bins = localTime(day, between(18 + 40 / 60, 19 + 20 / 60));
  outings.push({ out: bins, back: bins + Math.round(between(120, 240)) * SECOND, place: 'bins' });
  return {
    wake,
    sleep: localTime(day, between(21.5, 22)),
    outings,
    bedtimeCheck: localTime(day, between(20 + 50 / 60, 21 + 10 / 60)),
  };
}
