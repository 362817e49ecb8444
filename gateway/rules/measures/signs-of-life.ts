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

/**
 * A raise's grade and what it says of corroboration: the rule's grade, or its corroboration's
 * when another device showed life; `holdUntil` when the corroboration holds the raise back
 * (grade none): the rule looks again then.
 */
export function corroboratedGrade(
  corroboration: Corroboration,
  household: HouseholdContext | undefined,
  deviceId: string,
  at: number,
): { grade?: Grade; holdUntil?: number; note: string; details: Record<string, string | null> } {
  const life = corroboration && otherLife(household, deviceId, at - corroboration.within, at);
  if (!corroboration || !life) return { note: '', details: {} };
  if (corroboration.grade === 'none') return { holdUntil: life.at + corroboration.within + 1, note: '', details: {} };
  const when = new Date(life.at).toISOString();
  return { grade: corroboration.grade, note: ` (other sign of life: ${life.deviceId} at ${when})`, details: { otherLifeDevice: life.deviceId, otherLifeAt: when } };
}

/**
 * Whether the household's resident seems to have gone out since `since` (the start of a quiet
 * spell, less `slackMs` for when its meter reported it): a door used after it, or a wristband heard
 * only at home that fell silent after it; not while such a band is still heard (she is in). A door
 * opened to lock up for the night looks the same as one she left by in a home without a band:
 * `doorAlone` says whether a door use alone counts, given when it was (the no-water rule takes any:
 * it only postpones a P2 to its fixed window; the P1 welfare check only one by day).
 */
export function wentOutSince(household: HouseholdContext | undefined, since: number, at: number, slackMs: number, o: { doorAlone: (doorUsedAt: number) => boolean }): boolean {
  const memory = household?.memory;
  if (!memory) return false;
  const band = memory.homeRange;
  // A band heard at home since the door was used says she is in; a band silent since says out.
  const bandIn = band !== undefined && at - band.heardAt <= 2 * band.heartbeatMs;
  const bandOut = band !== undefined && !bandIn && band.heardAt > since - slackMs;
  if (bandOut) return true;
  return !bandIn && memory.lastDoorUseAt !== undefined && memory.lastDoorUseAt > since - slackMs && o.doorAlone(memory.lastDoorUseAt);
}
