import { z } from 'zod';
import { durationSchema } from '../../lib/time/duration.js';
import type { DeviceEvent } from '../../contract/metrics.js';
import { mixSeed, seededRandom } from '../../lib/seeded-random.js';
import type { DeviceModel, MetricValues, ScheduledReport } from '../fleet/device-model.js';
import { DayCache, HOUR, MINUTE, SECOND, batteryPctSchema, instantSchema, latLonSchema, localDay, localTime, nextOnGrid, noise, offsetM, seedSchema, type LatLon } from './common.js';
import { planElderDay, type ElderDay, type Place } from './elder-day.js';

const episodeSchema = z
  .object({
    from: instantSchema,
    until: instantSchema,
    bpm: z.number().int().min(20).max(250),
  })
  .strict()
  .refine((e) => e.until > e.from, { message: 'must be after from', path: ['until'] });

export const wristbandModelSchema = z
  .object({
    /** The household's seed: the same as her door's and electricity's gives one coherent day. */
    seed: seedSchema,
    installedAt: instantSchema,
    home: latLonSchema,
    /** @default "5m" */
    interval: durationSchema.default(5 * 60_000),
    /** How far her routine takes her (the park, the market): keep it inside her fence. @default 250 */
    roamM: z.number().positive().max(5_000).default(250),
    /** Battery at installedAt. @default 80 */
    batteryPct: batteryPctSchema.default(80),
    /** The SOS key is pressed: a report with the 'sos' event. */
    sosAt: instantSchema.optional(),
    /** A fall is detected: a report with the 'fall' event. */
    fallAt: instantSchema.optional(),
    /** The heart rate reads `bpm` in [from, until). @default [] */
    heartRate: z.array(episodeSchema).default([]),
    /** She walks off (at 4 km/h) and does not come back by herself. */
    wandersAt: instantSchema.optional(),
    /** How far she gets. @default 2000 */
    wanderDistanceM: z.number().positive().max(50_000).default(2_000),
  })
  .strict();
export type WristbandModelInput = z.input<typeof wristbandModelSchema>;
export type WristbandModelOptions = z.output<typeof wristbandModelSchema>;

/** Share of roamM each place lies from home. */
const PLACE_DISTANCE: Record<Place, number> = { park: 0.6, market: 0.9, bench: 0.3, bins: 0.1 };
const WALK_M_PER_MIN = 4_000 / 60;
const GPS_JITTER_M = 6;
const CHARGE_MS = HOUR;

interface BandDay {
  plan: ElderDay;
  /** She takes the band off and charges it for an hour every evening. */
  chargeFrom: number;
  chargeUntil: number;
  /** Battery percent lost per hour worn that day. */
  drainPerHour: number;
}

/**
 * An elder's SOS wristband: heart rate around her resting rate (lower asleep, higher walking),
 * SpO2 95-99 %, a position near home or at the places of her day (planElderDay: the same seed
 * as her door contact's gives the same outings), a battery that drains through the day and is
 * charged every evening (off the wrist then: no heart rate nor SpO2). Reports every interval
 * from installedAt, and at once for an SOS press or a fall.
 */
export class WristbandModel implements DeviceModel {
  readonly #days: DayCache<BandDay>;
  readonly #restingBpm: number;
  readonly #bearings: Record<Place | 'wander', number>;

  constructor(readonly options: WristbandModelOptions) {
    this.#days = new DayCache((day) => this.#dayOf(day));
    const rnd = seededRandom(mixSeed(options.seed, 0xba4d));
    this.#restingBpm = 62 + Math.floor(rnd() * 13);
    const bearing = (): number => rnd() * 2 * Math.PI;
    this.#bearings = { park: bearing(), market: bearing(), bench: bearing(), bins: bearing(), wander: bearing() };
  }

  valuesAt(at: number): MetricValues {
    const t = Math.max(at, this.options.installedAt);
    const day = this.#days.get(localDay(t));
    const position = this.#positionAt(t, day.plan);
    const values: MetricValues = {
      latitude_deg: round(position.lat, 6),
      longitude_deg: round(position.lon, 6),
      battery_pct: Math.round(this.#batteryAt(t)),
    };
    if (t >= day.chargeFrom && t < day.chargeUntil) return values; // on the charger, off the wrist
    values.heart_rate_bpm = this.#heartRateAt(t, day.plan);
    values.spo2_pct = 95 + Math.floor(noise(this.options.seed, 0x5902, Math.floor(t / SECOND)) * 5);
    return values;
  }

  nextReportAfter(after: number): ScheduledReport {
    const { installedAt, interval, sosAt, fallAt } = this.options;
    let at = nextOnGrid(installedAt, interval, after);
    const events: Array<[number, DeviceEvent]> = [];
    if (sosAt !== undefined) events.push([sosAt, 'sos']);
    if (fallAt !== undefined) events.push([fallAt, 'fall']);
    const due = events.filter(([t]) => t > after && t >= installedAt);
    for (const [t] of due) at = Math.min(at, t);
    return { at, events: due.filter(([t]) => t === at).map(([, e]) => e) };
  }

  #positionAt(t: number, plan: ElderDay): LatLon {
    const { home, roamM, wandersAt, wanderDistanceM, seed } = this.options;
    const jitter = (salt: number): number => (noise(seed, salt, Math.floor(t / SECOND)) * 2 - 1) * GPS_JITTER_M;
    let distance = 0;
    let bearing = 0;
    if (wandersAt !== undefined && t >= wandersAt) {
      distance = Math.min(wanderDistanceM, ((t - wandersAt) / MINUTE) * WALK_M_PER_MIN);
      bearing = this.#bearings.wander;
    } else {
      const outing = plan.outings.find((o) => t >= o.out && t < o.back);
      if (outing) {
        distance = PLACE_DISTANCE[outing.place] * roamM;
        bearing = this.#bearings[outing.place];
      }
    }
    return offsetM(home, distance * Math.cos(bearing) + jitter(0x6e), distance * Math.sin(bearing) + jitter(0xea));
  }

  #heartRateAt(t: number, plan: ElderDay): number {
    const episode = this.options.heartRate.find((e) => t >= e.from && t < e.until);
    if (episode) return episode.bpm;
    const wandering = this.options.wandersAt !== undefined && t >= this.options.wandersAt;
    const walking = wandering || plan.outings.some((o) => t >= o.out && t < o.back);
    const asleep = !wandering && (t < plan.wake || t >= plan.sleep);
    const offset = walking ? 15 : asleep ? -7 : 4;
    const spread = walking || !asleep ? 4 : 3;
    const jitter = (noise(this.options.seed, 0x4ea7, Math.floor(t / SECOND)) * 2 - 1) * spread;
    return Math.round(this.#restingBpm + offset + jitter);
  }

  /** Drains from the end of the last charge (or from installation), fills linearly while charging. */
  #batteryAt(t: number): number {
    const { installedAt, batteryPct } = this.options;
    const today = this.#days.get(localDay(t));
    if (t >= today.chargeFrom && t < today.chargeUntil) {
      const from = Math.max(today.chargeFrom, installedAt);
      const start = from === installedAt ? batteryPct : this.#drainedAt(from);
      return start + ((100 - start) * (t - from)) / (today.chargeUntil - from);
    }
    return this.#drainedAt(t);
  }

  /** The level at `t`, outside a charge: from the last charge's end, or from installation. */
  #drainedAt(t: number): number {
    const { installedAt, batteryPct } = this.options;
    const today = this.#days.get(localDay(t));
    const charged = t >= today.chargeUntil ? today : this.#days.get(localDay(t) - 1);
    const [from, level, perHour] =
      charged.chargeUntil >= installedAt ? [charged.chargeUntil, 100, charged.drainPerHour] : [installedAt, batteryPct, today.drainPerHour];
    return Math.max(0, Math.min(100, level - (perHour * (t - from)) / HOUR));
  }

  #dayOf(day: number): BandDay {
    const rnd = seededRandom(mixSeed(this.options.seed, 0xc4a6, day));
    const chargeFrom = localTime(day, 19 + 18 / 60 + rnd() * (18 / 60));
    return { plan: planElderDay(this.options.seed, day), chargeFrom, chargeUntil: chargeFrom + CHARGE_MS, drainPerHour: 1.8 + 0.6 * rnd() };
  }
}

const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;

/** A wristband model from options as written in a config file. */
export function wristbandModel(input: WristbandModelInput): WristbandModel {
  return new WristbandModel(wristbandModelSchema.parse(input));
}
