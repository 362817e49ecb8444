import { z } from 'zod';
import type { Reading } from '../../../contract/reading.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { showsLife } from '../measures/signs-of-life.js';

/** The rule-state key the household memory is kept under: not an id a rule can have (ids never start with "~"). */
export const HOUSEHOLD_LIFE_KEY = '~household-life';

const lifeStateSchema = z.object({
  /** [deviceId, when it last showed life] */
  life: z.array(z.tuple([z.string(), z.number()])),
  doorUseAt: z.number().nullable(),
});
type LifeState = z.infer<typeof lifeStateSchema>;

/**
 * What a household's devices say about its residents beside each rule: when each device last
 * showed life (water drawn, a door used) and when a door was last used. Corroboration and "out,
 * not silent" read it. It is kept with the rule state (under HOUSEHOLD_LIFE_KEY), so a gateway
 * that restarts still knows that the wearer went out before it.
 */
export class HouseholdLife {
  readonly #life = new Map<string, Map<string, number>>();
  readonly #doorUse = new Map<string, number>();
  readonly #lastValues = new Map<string, { volume_l: number | undefined; contact_closed: number | undefined }>();

  /** Takes a stored household memory back; false when it does not fit (it is then forgotten). */
  restore(householdId: string, raw: unknown): LifeState | undefined {
    const parsed = lifeStateSchema.safeParse(raw);
    if (!parsed.success) return undefined;
    this.#life.set(householdId, new Map(parsed.data.life));
    if (parsed.data.doorUseAt !== null) this.#doorUse.set(householdId, parsed.data.doorUseAt);
    return parsed.data;
  }

  /** Notes a reading; returns the household's memory to store when it changed. */
  note(reading: Reading, device: DeviceContext): LifeState | undefined {
    const { volume_l, contact_closed } = reading.metrics;
    if (volume_l === undefined && contact_closed === undefined) return undefined;
    const before = this.#lastValues.get(device.deviceId);
    this.#lastValues.set(device.deviceId, { volume_l: volume_l ?? before?.volume_l, contact_closed: contact_closed ?? before?.contact_closed });
    if (!showsLife(before, { volume_l, contact_closed })) return undefined;
    const household = device.householdId;
    let life = this.#life.get(household);
    if (!life) this.#life.set(household, (life = new Map()));
    life.set(device.deviceId, Math.max(reading.at, life.get(device.deviceId) ?? 0));
    if (before?.contact_closed !== undefined && contact_closed !== undefined && before.contact_closed !== contact_closed) {
      this.#doorUse.set(household, Math.max(reading.at, this.#doorUse.get(household) ?? 0));
    }
    return { life: [...life], doorUseAt: this.#doorUse.get(household) ?? null };
  }

  signsOfLife(householdId: string): ReadonlyMap<string, number> | undefined {
    return this.#life.get(householdId);
  }

  lastDoorUseAt(householdId: string): number | undefined {
    return this.#doorUse.get(householdId);
  }
}
