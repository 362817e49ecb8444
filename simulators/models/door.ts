import { z } from 'zod';
import { durationSchema } from '../../lib/time/duration.js';
import { mixSeed, seededRandom } from '../../lib/seeded-random.js';
import type { DeviceModel, MetricValues, ScheduledReport } from '../fleet/device-model.js';
import { DayCache, MINUTE, SECOND, batteryPctSchema, drainedBattery, instantSchema, localDay, nextOnGrid, seedSchema } from './common.js';
import { planElderDay } from './elder-day.js';

export const doorModelSchema = z
  .object({
    /** The household's seed: the same as her wristband's and electricity's gives one coherent day. */
    seed: seedSchema,
    installedAt: instantSchema,
    /** The contact reports its state this often even when the door does not move (Aqara: ~50 min). @default "50m" */
    checkIn: durationSchema.default(50 * MINUTE),
    /** From then on the door is never opened again (she stays in); the contact keeps checking in. */
    stopsAt: instantSchema.optional(),
    /** Battery at installedAt. @default 90 */
    batteryPct: batteryPctSchema.default(90),
  })
  .strict();
export type DoorModelInput = z.input<typeof doorModelSchema>;
export type DoorModelOptions = z.output<typeof doorModelSchema>;

/** A CR1632 lasts about two years in an Aqara contact. */
const BATTERY_PER_DAY = 0.14;

/** [at, contact_closed] */
type Change = readonly [number, 0 | 1];

/**
 * The entry door's contact (contact_closed 1 = closed): it opens and closes when she goes out
 * and comes back (planElderDay) and when she locks up at bedtime. It reports every change at
 * once and checks in on a fixed grid from installedAt. Every opening closes within the day, so
 * the door is closed at each midnight.
 */
export class DoorModel implements DeviceModel {
  readonly #days: DayCache<Change[]>;

  constructor(readonly options: DoorModelOptions) {
    this.#days = new DayCache((day) => this.#changesOf(day));
  }

  valuesAt(at: number): MetricValues {
    const t = Math.max(at, this.options.installedAt);
    let closed: 0 | 1 = 1;
    for (const [changeAt, value] of this.#days.get(localDay(t))) {
      if (changeAt > t) break;
      closed = value;
    }
    return { contact_closed: closed, battery_pct: drainedBattery(this.options.batteryPct, BATTERY_PER_DAY, this.options.installedAt, t) };
  }

  nextReportAfter(after: number): ScheduledReport {
    const checkIn = nextOnGrid(this.options.installedAt, this.options.checkIn, after);
    const from = Math.max(after, this.options.installedAt - 1);
    for (const day of [localDay(from), localDay(from) + 1]) {
      const change = this.#days.get(day).find(([at]) => at > from);
      if (change) return { at: Math.min(change[0], checkIn), events: [] };
    }
    return { at: checkIn, events: [] };
  }

  #changesOf(day: number): Change[] {
    const plan = planElderDay(this.options.seed, day);
    const rnd = seededRandom(mixSeed(this.options.seed, 0xd00, day));
    const stopsAt = this.options.stopsAt ?? Number.POSITIVE_INFINITY;
    const changes: Change[] = [];
    const openClose = (open: number, minS: number, maxS: number): void => {
      // An opening and its closing go together: after stopsAt neither happens.
      if (open < stopsAt) changes.push([open, 0], [open + Math.round(minS + (maxS - minS) * rnd()) * SECOND, 1]);
    };
    for (const outing of plan.outings) {
      openClose(outing.out, 30, 60);
      openClose(outing.back, 20, 40);
    }
    openClose(plan.bedtimeCheck, 40, 90);
    return changes.sort((a, b) => a[0] - b[0]);
  }
}

/** A door contact model from options as written in a config file. */
export function doorModel(input: DoorModelInput): DoorModel {
  return new DoorModel(doorModelSchema.parse(input));
}
