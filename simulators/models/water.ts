import { z } from 'zod';
import { durationSchema } from '../../lib/time/duration.js';
import type { DeviceModel, MetricValues, ScheduledReport } from '../fleet/device-model.js';
import { WaterRoutine, type WaterUse } from './water-routine.js';
import { MINUTE, batteryPctSchema, drainedBattery, instantSchema, nextOnGrid, seedSchema } from './common.js';

export const waterModelSchema = z
  .object({
    seed: seedSchema,
    /** The meter's first report; reports fall on installedAt + k x interval. */
    installedAt: instantSchema,
    /** @default "15m" */
    interval: durationSchema.default(15 * MINUTE),
    /** Counter reading at installedAt. @default 1000 */
    initialVolumeL: z.number().nonnegative().default(1_000),
    /** From then on the elder uses no water at all (the meter keeps reporting). */
    stopsAt: instantSchema.optional(),
    /** Battery at installedAt. @default 95 */
    batteryPct: batteryPctSchema.default(95),
  })
  .strict();
export type WaterModelInput = z.input<typeof waterModelSchema>;
export type WaterModelOptions = z.output<typeof waterModelSchema>;

/** A tap or a cistern runs at about this rate; a 40 L wash takes five minutes. */
const FLOW_LPM = 8;
/** A lithium cell lasts about five years. */
const BATTERY_PER_DAY = 0.05;

/**
 * A flow monitor on an elder's water meter, driven by her WaterRoutine: each use runs at a
 * tap's rate, so the counter climbs during a wash and flow_lpm shows it. The counter is kept in
 * whole decilitres, as the meter shows it, and never goes down.
 */
export class WaterModel implements DeviceModel {
  readonly #routine: WaterRoutine;
  /** Uses are collected up to here (exclusive). */
  #cursor: number;
  /** Decilitres of the uses that have finished running. */
  #doneDl = 0;
  /** Uses still running at the cursor, with their volume in decilitres. */
  #running: Array<{ at: number; dl: number }> = [];

  constructor(readonly options: WaterModelOptions) {
    this.#routine = new WaterRoutine({ seed: options.seed, stopsAt: options.stopsAt });
    this.#cursor = options.installedAt;
  }

  valuesAt(at: number): MetricValues {
    const t = Math.max(at, this.options.installedAt);
    this.#collect(t);
    let runningDl = 0;
    let flow = 0;
    for (const use of this.#running) {
      const ranDl = Math.max(0, Math.floor(((t - use.at) / MINUTE) * FLOW_LPM * 10));
      runningDl += Math.min(use.dl, ranDl);
      if (ranDl < use.dl) flow += FLOW_LPM;
    }
    return {
      volume_l: Math.round(this.options.initialVolumeL * 10 + this.#doneDl + runningDl) / 10,
      flow_lpm: flow,
      battery_pct: drainedBattery(this.options.batteryPct, BATTERY_PER_DAY, this.options.installedAt, t),
    };
  }

  nextReportAfter(after: number): ScheduledReport {
    return { at: nextOnGrid(this.options.installedAt, this.options.interval, after), events: [] };
  }

  /** Takes in the uses begun up to `t` and retires those that have finished. */
  #collect(t: number): void {
    if (t >= this.#cursor) {
      for (const use of this.#routine.usesBetween(this.#cursor, t + 1)) this.#running.push({ at: use.at, dl: toDl(use) });
      this.#cursor = t + 1;
    }
    this.#running = this.#running.filter((use) => {
      const finished = t - use.at >= (use.dl / 10 / FLOW_LPM) * MINUTE;
      if (finished) this.#doneDl += use.dl;
      return !finished;
    });
  }
}

const toDl = (use: WaterUse): number => Math.round(use.litres * 10);

/** A water model from options as written in a config file. */
export function waterModel(input: WaterModelInput): WaterModel {
  return new WaterModel(waterModelSchema.parse(input));
}
