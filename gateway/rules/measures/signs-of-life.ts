import type { Corroboration, HouseholdContext } from '../kinds/kind-api.js';
import type { Grade } from '../../../contract/alert.js';

/** Water drawn between two readings of a meter that counts as someone using it. */
const WATER_L = 0.5;

/**
 * Whether a device's new reading shows someone at home doing something, against its last values:
 * water drawn (volume up by half a litre or more) or a door contact that opened or closed. Power
 * draw is not one (a fridge runs alone), nor a wristband's vitals (it may lie on a table).
 */
export function showsLife(before: Readonly<Record<string, number | undefined>> | undefined, now: Readonly<Record<string, number | undefined>>): boolean {
  if (!before) return false;
  const { volume_l: v0, contact_closed: c0 } = before;
  const { volume_l: v1, contact_closed: c1 } = now;
  if (v0 !== undefined && v1 !== undefined && v1 - v0 >= WATER_L) return true;
  return c0 !== undefined && c1 !== undefined && c0 !== c1;
}

/** Another device of the household that showed life in [since, at], the latest, if any. */
export function otherLife(household: HouseholdContext | undefined, deviceId: string, since: number, at: number): { deviceId: string; at: number } | undefined {
  let found: { deviceId: string; at: number } | undefined;
  for (const [id, t] of household?.signsOfLife ?? []) {
    if (id !== deviceId && t >= since && t <= at && (!found || t > found.at)) found = { deviceId: id, at: t };
  }
  return found;
}

/** A raise's grade and what it says of corroboration: the rule's grade, or its corroboration's when another device showed life. */
export function corroboratedGrade(
  corroboration: Corroboration,
  household: HouseholdContext | undefined,
  deviceId: string,
  at: number,
): { grade?: Grade; note: string; details: Record<string, string | null> } {
  const life = corroboration && otherLife(household, deviceId, at - corroboration.within, at);
  if (!corroboration || !life) return { note: '', details: {} };
  const when = new Date(life.at).toISOString();
  return { grade: corroboration.grade, note: ` (other sign of life: ${life.deviceId} at ${when})`, details: { otherLifeDevice: life.deviceId, otherLifeAt: when } };
}
