import { z } from 'zod';
import { durationSchema } from '../../lib/time/duration.js';
import type { DeviceModel, MetricValues, ScheduledReport } from '../fleet/device-model.js';
import { HOUR, batteryPctSchema, drainedBattery, instantSchema, nextOnGrid } from './common.js';

export const sosButtonModelSchema = z
  .object({
    installedAt: instantSchema,
    /** The button reports its battery this often when nobody presses it. @default "4h" */
    checkIn: durationSchema.default(4 * HOUR),
    /** Moments the key is pressed. @default [] */
    presses: z.array(instantSchema).default([]),
    /** Battery at installedAt. @default 100 */
    batteryPct: batteryPctSchema.default(100),
  })
  .strict();
export type SosButtonModelInput = z.input<typeof sosButtonModelSchema>;
export type SosButtonModelOptions = z.output<typeof sosButtonModelSchema>;

/** A CR2032 in a Zigbee SOS button lasts about a year. */
const BATTERY_PER_DAY = 0.27;

/**
 * An SOS button on the wall or a lanyard (Tuya TS0215A): a battery report every check-in, and a
 * report with the 'sos' event at each press.
 */
export class SosButtonModel implements DeviceModel {
  readonly #presses: number[];

  constructor(readonly options: SosButtonModelOptions) {
    this.#presses = [...options.presses].sort((a, b) => a - b);
  }

  valuesAt(at: number): MetricValues {
    const { batteryPct, installedAt } = this.options;
    return { battery_pct: drainedBattery(batteryPct, BATTERY_PER_DAY, installedAt, at) };
  }

  nextReportAfter(after: number): ScheduledReport {
    const checkIn = nextOnGrid(this.options.installedAt, this.options.checkIn, after);
    const press = this.#presses.find((at) => at > after && at >= this.options.installedAt);
    if (press !== undefined && press <= checkIn) return { at: press, events: ['sos'] };
    return { at: checkIn, events: [] };
  }
}

/** An SOS button model from options as written in a config file. */
export function sosButtonModel(input: SosButtonModelInput): SosButtonModel {
  return new SosButtonModel(sosButtonModelSchema.parse(input));
}
