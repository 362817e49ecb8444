import type { Corroboration, HouseholdContext } from '../kinds/kind-api.js';
import type { Grade } from '../../../contract/alert.js';

/** Another device of the household that showed life in [since, at], the latest, if any. */
export function otherLife(household: HouseholdContext | undefined, deviceId: string, since: number, at: number): { deviceId: string; at: number } | undefined {
  let found: { deviceId: string; at: number } | undefined;
  for (const [id, t] of household?.memory?.signsOfLife ?? []) {
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
