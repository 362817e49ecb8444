/**
 * A household's own quiet spells: how long it usually goes without drawing water, by the time
 * of day the spell begins. An elder who washes at 07:00 and 20:30 and flushes a few times between
 * has nights of ten hours and afternoons of three; a spell well beyond the longest this household
 * had at that time of day is news, one well inside it is a habit.
 */

const MINUTES_PER_DAY = 24 * 60;

/** A finished quiet spell: [its start in ms, its length in ms, its start's local minute of day]. */
export type Spell = [start: number, length: number, minuteOfDay: number];

export interface SpellLearning {
  /** Spells are learned only after the meter was watched this long; until then the fixed window applies. */
  warmup: number;
  /** How far back spells are remembered. */
  history: number;
  /** A spell alarms beyond this many times the longest usual one. */
  factor: number;
  /** Never sooner than this after the last draw. */
  floor: number;
  /** Spells that began within this of the current one's time of day are "at that time of day". */
  around: number;
}

/** Spells shorter than this are not remembered: they are the rhythm of a day, not its quiet. */
export const SHORTEST_SPELL_MS = 3_600_000;
/** At most this many spells are kept (14 days of 8 spells over an hour is 112). */
export const MAX_SPELLS = 160;

/** The spells to keep after one of `length` that began at `start` ended at `end`. */
export function rememberSpell(spells: readonly Spell[], spell: Spell, end: number, history: number): Spell[] {
  const kept = spells.filter(([start]) => start >= end - history);
  if (spell[1] >= SHORTEST_SPELL_MS) kept.push(spell);
  while (kept.length > MAX_SPELLS) kept.shift();
  return kept;
}

/** Minutes per bin of the household's day: the learned quiet is kept in 5-minute steps. */
const BIN_MIN = 5;
const BINS = MINUTES_PER_DAY / BIN_MIN;

/** Per 5-minute bin of the day, the longest remembered spell that covered it (within `around`). Cached per spells list. */
const coverCache = new WeakMap<readonly Spell[], Map<number, Float64Array>>();

export function longestCovering(spells: readonly Spell[], aroundMs: number): Float64Array {
  let byAround = coverCache.get(spells);
  if (!byAround) coverCache.set(spells, (byAround = new Map()));
  const cached = byAround.get(aroundMs);
  if (cached) return cached;
  const longest = new Float64Array(BINS);
  const aroundMin = aroundMs / 60_000;
  for (const [, length, startMinute] of spells) {
    const from = startMinute - aroundMin;
    const span = Math.min(MINUTES_PER_DAY, length / 60_000 + 2 * aroundMin);
    for (let m = 0; m < span; m += BIN_MIN) {
      const bin = Math.floor(((((from + m) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY) / BIN_MIN);
      if (length > longest[bin]!) longest[bin] = length;
    }
  }
  byAround.set(aroundMs, longest);
  return longest;
}

/**
 * How long a spell that began at local minute `minuteOfDay` may last before it alarms: the first
 * moment it is `factor` x as long as the longest quiet spell this household had that covered
 * that moment's time of day (within `around`), no sooner than `floor`, and never later than
 * `window` (the pilots' fixed figure), so a household is never watched less closely than the
 * fixed rule would. Judged by the moment, not the spell's start: a night that began early is still
 * a night, and a morning with no wash after it is news; a night cut in two by the toilet is
 * covered by the nights that were not.
 */
export function usualQuietLimit(
  spells: readonly Spell[],
  minuteOfDay: number,
  learning: SpellLearning,
  window: number,
): { limit: number; longestUsual: number } {
  const longest = longestCovering(spells, learning.around);
  const step = BIN_MIN * 60_000;
  for (let elapsed = Math.ceil(learning.floor / step) * step; elapsed < window; elapsed += step) {
    const bin = Math.floor((((minuteOfDay + elapsed / 60_000) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY / BIN_MIN);
    const usual = longest[bin]!;
    if (elapsed >= usual * learning.factor) return { limit: Math.max(learning.floor, elapsed), longestUsual: usual };
  }
  const end = Math.floor((((minuteOfDay + window / 60_000) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY / BIN_MIN);
  return { limit: window, longestUsual: longest[end]! };
}
