import { z } from 'zod';
import { mixSeed, seededRandom } from '../../lib/seeded-random.js';
import type { DeviceModel, MetricValues } from '../fleet/device-model.js';
import { DayCache, HOUR, MINUTE, instantSchema, localDay, localHours, localTime, noise, seedSchema } from './common.js';
import { planElderDay } from './elder-day.js';

export const electricityModelSchema = z
  .object({
    /** The household's seed: the same as her door's and wristband's gives one coherent day. */
    seed: seedSchema,
    installedAt: instantSchema,
    /** Energy register at installedAt. @default 2000 */
    initialKwh: z.number().nonnegative().default(2_000),
    /** From then on every load draws `lowFactor` of its usual power (the electricity anomaly). */
    lowFrom: instantSchema.optional(),
    /** @default 0.1 */
    lowFactor: z.number().min(0).max(1).default(0.1),
  })
  .strict();
export type ElectricityModelInput = z.input<typeof electricityModelSchema>;
export type ElectricityModelOptions = z.output<typeof electricityModelSchema>;

/** An appliance running in [from, until) at `watts`, with its power factor. */
interface Load {
  from: number;
  until: number;
  watts: number;
  pf: number;
}

/** Always on: router, set-top box, chargers; their power factor is poor. */
const STANDBY = { watts: 12, pf: 0.5 };
/** The fridge's compressor: on 15 min in every 40. */
const FRIDGE = { watts: 90, pf: 0.8, periodMs: 40 * MINUTE, onMs: 15 * MINUTE };

/**
 * An elder's household electricity, as a sub-meter (Eastron SDM120) or a residential meter shows
 * it: the fridge cycling, a kettle at breakfast, cooking at noon and in the evening, lights and
 * TV in the evening, the water heater before her evening wash, sometimes the washing machine;
 * about 4-5 kWh a day. Her day comes from planElderDay. Power is piecewise constant, so the
 * energy register is its exact integral (pure in time, never going back). Polled only.
 */
export class ElectricityModel implements DeviceModel {
  readonly #days: DayCache<Load[]>;
  readonly #fridgePhase: number;
  /** The energy register (Wh) at the local midnight starting `#day`. */
  #day: number;
  #dayStartWh: number;

  constructor(readonly options: ElectricityModelOptions) {
    this.#days = new DayCache((day) => this.#loadsOf(day));
    this.#fridgePhase = Math.floor(seededRandom(mixSeed(options.seed, 0xf41d))() * FRIDGE.periodMs);
    this.#day = localDay(options.installedAt);
    this.#dayStartWh = options.initialKwh * 1000 - this.#whBetween(localTime(this.#day, 0), options.installedAt);
  }

  valuesAt(at: number): MetricValues {
    const t = Math.max(at, this.options.installedAt);
    const day = localDay(t);
    // Calls come in time order; a call from the past starts the register again from installation.
    if (day < this.#day) {
      this.#day = localDay(this.options.installedAt);
      this.#dayStartWh = this.options.initialKwh * 1000 - this.#whBetween(localTime(this.#day, 0), this.options.installedAt);
    }
    while (this.#day < day) {
      this.#dayStartWh += this.#whBetween(localTime(this.#day, 0), localTime(this.#day + 1, 0));
      this.#day++;
    }
    const wh = this.#dayStartWh + this.#whBetween(localTime(day, 0), t);

    const { seed } = this.options;
    const second = Math.floor(t / 1000);
    const { p, q } = this.#powerAt(t);
    const watts = p * (1 + (noise(seed, 0x9a, second) - 0.5) * 0.03);
    const pf = p > 0 ? p / Math.hypot(p, q) : 1;
    // The grid sags in the evening peak and recovers at night: about 222-229 V.
    const volts = 225.5 - 3 * Math.sin((2 * Math.PI * (localHours(t) - 13.5)) / 24) + (noise(seed, 0x7e, second) - 0.5) * 2;
    const hz = 50 + 0.03 * Math.sin((2 * Math.PI * t) / (37 * MINUTE)) + (noise(seed, 0x4e, second) - 0.5) * 0.04;
    return {
      // Floored, as a register shows it: 0.01 kWh steps, never rounded up and back.
      energy_kwh: Math.floor(wh / 10 + 1e-9) / 100,
      power_w: round(watts, 1),
      voltage_v: round(volts, 1),
      current_a: round(watts / (volts * pf), 3),
      power_factor: round(pf, 3),
      frequency_hz: round(hz, 2),
    };
  }

  nextReportAfter(): undefined {
    return undefined;
  }

  #factorAt(t: number): number {
    const { lowFrom, lowFactor } = this.options;
    return lowFrom !== undefined && t >= lowFrom ? lowFactor : 1;
  }

  /** Active (W) and reactive (var) power at `t`. */
  #powerAt(t: number): { p: number; q: number } {
    const loads: Array<{ watts: number; pf: number }> = [STANDBY];
    if (fridgeOnBefore(t + 1, this.#fridgePhase) > fridgeOnBefore(t, this.#fridgePhase)) loads.push(FRIDGE);
    for (const load of this.#days.get(localDay(t))) if (t >= load.from && t < load.until) loads.push(load);
    const factor = this.#factorAt(t);
    let p = 0;
    let q = 0;
    for (const { watts, pf } of loads) {
      p += watts * factor;
      q += watts * factor * Math.tan(Math.acos(pf));
    }
    return { p, q };
  }

  /** Energy in Wh drawn in [a, b], both inside one local day (or b its next midnight). */
  #whBetween(a: number, b: number): number {
    const { lowFrom } = this.options;
    if (lowFrom !== undefined && a < lowFrom && lowFrom < b) return this.#whBetween(a, lowFrom) + this.#whBetween(lowFrom, b);
    let wattMs = STANDBY.watts * (b - a) + FRIDGE.watts * (fridgeOnBefore(b, this.#fridgePhase) - fridgeOnBefore(a, this.#fridgePhase));
    for (const load of this.#days.get(localDay(a))) {
      wattMs += load.watts * Math.max(0, Math.min(b, load.until) - Math.max(a, load.from));
    }
    return (wattMs * this.#factorAt(a)) / HOUR;
  }

  #loadsOf(day: number): Load[] {
    const plan = planElderDay(this.options.seed, day);
    const rnd = seededRandom(mixSeed(this.options.seed, 0xe1ec, day));
    const between = (a: number, b: number): number => a + (b - a) * rnd();
    const at = (hours: number): number => localTime(day, hours);
    const load = (from: number, minutes: number, watts: number, pf: number): Load => ({ from, until: from + Math.round(minutes) * MINUTE, watts, pf });
    const loads = [
      load(plan.wake + 10 * MINUTE, between(3, 5), 1800, 1), // kettle
      load(plan.wake, 45, 30, 0.9), // lights while getting up in the dark
      load(at(between(11, 11 + 40 / 60)), between(30, 45), 700, 0.98), // rice cooker
      load(at(between(17 + 20 / 60, 18)), between(30, 45), 700, 0.98), // cooking
      load(at(17.5), (plan.sleep - at(17.5)) / MINUTE, 40, 0.9), // lights
      load(at(between(19, 19.5)), between(90, 135), 110, 0.6), // TV
      load(at(between(19.5, 20)), between(45, 75), 2000, 1), // water heater, for her evening wash
    ];
    if (rnd() < 0.5) loads.push(load(at(between(14, 15)), between(60, 120), 110, 0.6)); // afternoon TV
    if (rnd() < 0.3) loads.push(load(at(between(9.5, 10.5)), 60, 250, 0.7)); // washing machine
    return loads;
  }
}

/** Milliseconds the fridge's compressor ran in [0, t) (relative to its phase). */
function fridgeOnBefore(t: number, phase: number): number {
  const since = t - phase;
  const cycles = Math.floor(since / FRIDGE.periodMs);
  return cycles * FRIDGE.onMs + Math.min(since - cycles * FRIDGE.periodMs, FRIDGE.onMs);
}

const round = (n: number, places: number): number => Math.round(n * 10 ** places) / 10 ** places;

/** An electricity model from options as written in a config file. */
export function electricityModel(input: ElectricityModelInput): ElectricityModel {
  return new ElectricityModel(electricityModelSchema.parse(input));
}
