import { z } from 'zod';
import type { Reading } from '../../../contract/reading.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import type { HouseholdMemory } from '../kinds/kind-api.js';

/** The rule-state key the household memory is kept under: not an id a rule can have (ids never start with "~"). */
export const HOUSEHOLD_LIFE_KEY = '~household-life';

/** Water drawn between two readings of a meter that counts as someone using it. */
const WATER_L = 0.5;

/**
 * A device's sign of life is written to disk again only when it moved on by this much (a door use
 * at once): what reads it works in hours, and a meter reporting every minute must not double the
 * rule state written. After a restart a sign of life may be up to this much older than it was.
 */
const STORE_EVERY_MS = 3_600_000;

const lifeStateSchema = z.object({
  /** [deviceId, when it last showed life] */
  life: z.array(z.tuple([z.string(), z.number()])),
  doorUseAt: z.number().nullable(),
});
type LifeState = z.infer<typeof lifeStateSchema>;

interface Memory extends HouseholdMemory {
  signsOfLife: Map<string, number>;
  lastDoorUseAt: number | undefined;
  homeRange: { heardAt: number; heartbeatMs: number } | undefined;
  lifeSensors: Set<string>;
}

/**
 * What a household's devices say about its residents beside each rule: when each device last
 * showed life and when a door was last used. A sign of life is water drawn (half a litre or more
 * since the meter's last reading) or a door contact that opened or closed; power draw is not one
 * (a fridge runs alone), nor a wristband's vitals (it may lie on a table). Corroboration and "out,
 * not silent" read it; it is kept with the rule state (under HOUSEHOLD_LIFE_KEY), so a gateway
 * that restarts still knows that the wearer went out before it.
 */
export class HouseholdLife {
  readonly #memories = new Map<string, Memory>();
  /** Per device, when its sign of life was last written. */
  readonly #stored = new Map<string, number>();
  readonly #lastValues = new Map<string, { volume_l: number | undefined; contact_closed: number | undefined }>();

  /** Takes a stored household memory back; undefined when it does not fit (it is then forgotten). */
  restore(householdId: string, raw: unknown): LifeState | undefined {
    const parsed = lifeStateSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    this.#memories.set(householdId, { signsOfLife: new Map(parsed.data.life), lastDoorUseAt: parsed.data.doorUseAt ?? undefined, homeRange: undefined, lifeSensors: new Set() });
    for (const [deviceId, at] of parsed.data.life) this.#stored.set(deviceId, at);
    return parsed.data;
  }

  /** Notes a reading; returns the household's memory when it is to be written. */
  note(reading: Reading, device: DeviceContext): LifeState | undefined {
    if (device.homeRangeOnly) this.#heardAtHome(reading, device);
    const { volume_l, contact_closed } = reading.metrics;
    if (volume_l === undefined && contact_closed === undefined) return undefined;
    const last = this.#lastValues.get(device.deviceId);
    if (!last) this.#memoryFor(device.householdId).lifeSensors.add(device.deviceId);
    const water = volume_l !== undefined && last?.volume_l !== undefined && volume_l - last.volume_l >= WATER_L;
    const door = contact_closed !== undefined && last?.contact_closed !== undefined && contact_closed !== last.contact_closed;
    if (!last) this.#lastValues.set(device.deviceId, { volume_l, contact_closed });
    else {
      if (volume_l !== undefined) last.volume_l = volume_l;
      if (contact_closed !== undefined) last.contact_closed = contact_closed;
    }
    if (!water && !door) return undefined;

    const memory = this.#memoryFor(device.householdId);
    memory.signsOfLife.set(device.deviceId, Math.max(reading.at, memory.signsOfLife.get(device.deviceId) ?? 0));
    if (door) memory.lastDoorUseAt = Math.max(reading.at, memory.lastDoorUseAt ?? 0);
    if (!door && reading.at - (this.#stored.get(device.deviceId) ?? Number.NEGATIVE_INFINITY) < STORE_EVERY_MS) return undefined;
    this.#stored.set(device.deviceId, reading.at);
    return { life: [...memory.signsOfLife], doorUseAt: memory.lastDoorUseAt ?? null };
  }

  /** A wristband heard only at home reported: its wearer is in (kept in memory; not a sign of life, it may lie on a table). */
  #heardAtHome(reading: Reading, device: DeviceContext): void {
    const memory = this.#memoryFor(device.householdId);
    if (!memory.homeRange) memory.homeRange = { heardAt: reading.at, heartbeatMs: device.heartbeatMs };
    else if (reading.at > memory.homeRange.heardAt) memory.homeRange.heardAt = reading.at;
  }

  #memoryFor(householdId: string): Memory {
    let memory = this.#memories.get(householdId);
    if (!memory) this.#memories.set(householdId, (memory = { signsOfLife: new Map(), lastDoorUseAt: undefined, homeRange: undefined, lifeSensors: new Set() }));
    return memory;
  }

  /** The household's memory, live; undefined while nothing is known of it. */
  memoryOf(householdId: string): HouseholdMemory | undefined {
    return this.#memories.get(householdId);
  }
}
