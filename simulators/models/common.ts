import { z } from 'zod';
import { mixSeed, seededRandom } from '../../lib/seeded-random.js';
import { CST_OFFSET_MS } from './water-routine.js';

/**
 * What the device models share: units of time, the local day (China Standard Time, UTC+8 all
 * year, as in water-routine.ts: a fixed offset keeps a fleet of models cheap), schema parts for
 * their options, and noise that is a pure function of (seed, instant), so a value does not
 * depend on how often, or from where, the model was asked.
 */
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** An instant written as ISO 8601 with its offset ("2026-11-23T07:30:00+08:00"); parsed to ms. */
export const instantSchema = z.iso
  .datetime({ offset: true, message: 'write an instant with its offset ("2026-11-23T07:30:00+08:00"); a simulate config also takes "+9h20m" after its start or a time of day "15:20"' })
  .transform((text) => Date.parse(text));

/** Picks the household's days: the same seed gives the same days. */
export const seedSchema = z.number().int().nonnegative();

export const batteryPctSchema = z.number().min(0).max(100);

export const latLonSchema = z
  .object({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
  })
  .strict();
export type LatLon = z.infer<typeof latLonSchema>;

/** The local day (days since 1970-01-01 in UTC+8) an instant falls in. */
export function localDay(at: number): number {
  return Math.floor((at + CST_OFFSET_MS) / DAY);
}

/** The instant local `hours` (fractional) of `day` begin, rounded to the second as device clocks are. */
export function localTime(day: number, hours: number): number {
  return day * DAY - CST_OFFSET_MS + Math.round((hours * HOUR) / SECOND) * SECOND;
}

/** Local hours since midnight, fractional. */
export function localHours(at: number): number {
  return (((at + CST_OFFSET_MS) % DAY) + DAY) % DAY / HOUR;
}

/** A number in [0, 1) fixed by its arguments: noise that is a pure function of the instant. */
export function noise(seed: number, ...parts: number[]): number {
  return seededRandom(mixSeed(seed, ...parts))();
}

/** The first instant of the grid `origin + k * interval` (k >= 0) strictly after `after`. */
export function nextOnGrid(origin: number, interval: number, after: number): number {
  if (after < origin) return origin;
  return origin + (Math.floor((after - origin) / interval) + 1) * interval;
}

/** A coin-cell or lithium battery: `startPct` at `from`, losing `perDay` percent a day, shown whole. */
export function drainedBattery(startPct: number, perDay: number, from: number, at: number): number {
  return Math.max(0, Math.round(startPct - (perDay * Math.max(0, at - from)) / DAY));
}

/** Metres north/east of a point, in degrees (fine for a few kilometres). */
export function offsetM(p: LatLon, northM: number, eastM: number): LatLon {
  const M_PER_DEG = 111_195;
  return { lat: p.lat + northM / M_PER_DEG, lon: p.lon + eastM / (M_PER_DEG * Math.cos((p.lat * Math.PI) / 180)) };
}

/** Keeps the last few days a model computed: calls come in time order, so a handful suffices. */
export class DayCache<T> {
  readonly #days = new Map<number, T>();

  constructor(readonly make: (day: number) => T) {}

  get(day: number): T {
    let value = this.#days.get(day);
    if (value !== undefined) return value;
    value = this.make(day);
    this.#days.set(day, value);
    if (this.#days.size > 4) this.#days.delete(this.#days.keys().next().value!);
    return value;
  }
}
