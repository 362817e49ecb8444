import { mixSeed, seededRandom } from '../../lib/seeded-random.js';

/**
 * Seeded draws for planning a household (never Math.random): the same parts give the same
 * sequence. Each part of a plan draws from its own stream (`STREAM`), so adding a draw to one
 * part never shifts what another part of the same household, or another household, does.
 */
export class Rng {
  readonly #next: () => number;

  constructor(...parts: number[]) {
    this.#next = seededRandom(mixSeed(...parts));
  }

  /** [0, 1) */
  next(): number {
    return this.#next();
  }

  /** [a, b) */
  between(a: number, b: number): number {
    return a + (b - a) * this.#next();
  }

  /** An integer in [a, b], both included. */
  int(a: number, b: number): number {
    return a + Math.floor((b - a + 1) * this.#next());
  }

  chance(p: number): boolean {
    return this.#next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(items.length * this.#next())];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Fisher-Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor((i + 1) * this.#next());
      const a = items[i]!;
      items[i] = items[j]!;
      items[j] = a;
    }
    return items;
  }
}

/** The streams a household's plan draws from (with the household's seed). */
export const STREAM = {
  personas: 1,
  traits: 2,
  calendar: 3,
  day: 4,
  absences: 5,
  events: 6,
  band: 7,
  devices: 8,
} as const;

/** A household's own seed: the corpus seed and its index. */
export function householdSeed(corpusSeed: number, index: number): number {
  return mixSeed(corpusSeed, 0xc0_4b05, index);
}
