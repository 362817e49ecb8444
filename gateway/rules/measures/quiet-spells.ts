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

/**
 * How long a spell that began at local minute `minuteOfDay` may last before it alarms:
 * `factor` x the longest this household stayed quiet from that time of day on in its history,
 * kept within [floor, window]. A remembered spell counts from where it covered that time of day
 * (a night from 21:00 to 07:00 says a spell from 23:00 may last 8 h), or whole when it began up to
 * `around` before or after it, so a night cut in two by a trip to the toilet does not teach that
 * nights are short. The window (the pilots' fixed figure) is the ceiling, so a household is never
 * watched less closely than the fixed rule would; with nothing known of that time of day, the floor.
 */
export function usualQuietLimit(
  spells: readonly Spell[],
  minuteOfDay: number,
  learning: SpellLearning,
  window: number,
): { limit: number; longestUsual: number } {
  const aroundMin = learning.around / 60_000;
  let longest = 0;
  for (const [, length, startMinute] of spells) {
    const lengthMin = length / 60_000;
    // Minutes from the remembered spell's start to this time of day.
    const offset = (((minuteOfDay - startMinute) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    let remaining: number;
    if (offset <= lengthMin) remaining = lengthMin - offset + Math.min(offset, aroundMin);
    else if (MINUTES_PER_DAY - offset <= aroundMin) remaining = lengthMin;
    else continue;
    if (remaining * 60_000 > longest) longest = remaining * 60_000;
  }
  const limit = Math.min(window, Math.max(learning.floor, Math.round(longest * learning.factor)));
  return { limit, longestUsual: Math.round(longest) };
}
