import { mixSeed, seededRandom } from '../../lib/seeded-random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** China Standard Time, UTC+8 all year (no daylight saving). */
export const CST_OFFSET_MS = 8 * HOUR;

export interface WaterUse {
  /** ms since the epoch */
  at: number;
  litres: number;
}

export interface WaterRoutineOptions {
  seed: number;
  /** From this moment on the household uses no water at all (the elder who needs help). */
  stopsAt?: number;
}

/**
 * The water use of one elder living alone, day by day in local time: a morning wash around
 * 07:00, toilet flushes through the day, cooking and washing up around noon and in the evening.
 * Deterministic for a seed, so a demo or a test sees the same household every run.
 */
export class WaterRoutine {
  readonly #days = new Map<number, WaterUse[]>();

  constructor(readonly options: WaterRoutineOptions) {}

  /** Litres used in [from, to). */
  usedBetween(from: number, to: number): number {
    let litres = 0;
    for (const use of this.usesBetween(from, to)) litres += use.litres;
    return Math.round(litres * 10) / 10;
  }

  /** The uses that begin in [from, to), in time order (a model that lets water run needs each one). */
  usesBetween(from: number, to: number): WaterUse[] {
    const uses: WaterUse[] = [];
    const firstDay = Math.floor((from + CST_OFFSET_MS) / DAY);
    const lastDay = Math.floor((to + CST_OFFSET_MS) / DAY);
    for (let day = firstDay; day <= lastDay; day++) {
      for (const use of this.#eventsOf(day)) {
        if (use.at >= from && use.at < to) uses.push(use);
      }
    }
    return uses;
  }

  #eventsOf(day: number): WaterUse[] {
    let events = this.#days.get(day);
    if (events) return events;
    const rnd = seededRandom(mixSeed(this.options.seed, day));
    const midnight = day * DAY - CST_OFFSET_MS;
    const at = (hour: number, spreadHours: number) => midnight + Math.round((hour + (rnd() - 0.5) * spreadHours) * HOUR);
    events = [
      { at: at(7, 1), litres: 25 + rnd() * 20 }, // morning wash
      { at: at(11.5, 1), litres: 8 + rnd() * 6 }, // cooking
      { at: at(18.5, 1.5), litres: 15 + rnd() * 15 }, // cooking, washing up
      { at: at(20.5, 1), litres: 20 + rnd() * 30 }, // evening wash
    ];
    const flushes = 4 + Math.floor(rnd() * 3);
    for (let i = 0; i < flushes; i++) events.push({ at: at(14, 14), litres: 6 });
    const { stopsAt } = this.options;
    if (stopsAt !== undefined) events = events.filter((e) => e.at < stopsAt);
    events.sort((a, b) => a.at - b.at);
    this.#days.set(day, events);
    if (this.#days.size > 8) this.#days.delete(this.#days.keys().next().value!);
    return events;
  }
}
