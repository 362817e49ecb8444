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

/** The tag of a household where one person lives: her band out is the home empty. */
const LIVING_ALONE = 'living-alone';
const DAY_MS = 86_400_000;
/** A door used this long into a reported absence may still be her leaving for it. */
const LEAVING_MS = 6 * 3_600_000;

/**
 * Whether the household's home is known to be empty at `at`, and since when: its last sign of
 * life was the door (give or take `slackMs`, a meter reporting a draw made before she left) and
 * - it was her leaving for a reported absence (from a day before it to early in it: at most 6 h,
 *   or half of it), that absence is over and the door has not been used since (not back yet: a
 *   return opens the door); or
 * - she lives alone and her wristband, heard only at home, fell silent as the door was used (or,
 *   in a home with no door contact, after the last sign of life) and is silent still.
 * "Inside and still" needs her inside: the no-activity rules hold their P1/P2 while this holds.
 */
export function awayFromHome(household: HouseholdContext | undefined, at: number, slackMs: number): { since: number; why: string } | undefined {
  const memory = household?.memory;
  if (!memory) return undefined;
  const door = memory.lastDoorUseAt;
  let lastLife = Number.NEGATIVE_INFINITY;
  for (const t of memory.signsOfLife.values()) if (t <= at && t > lastLife) lastLife = t;
  if (door !== undefined) {
    if (lastLife > door + slackMs) return undefined;
    for (const a of household.absences) {
      // The door she left by: from a day before the absence to early in it (a door used later in
      // it is her coming back early).
      const leftBy = a.from + Math.min(LEAVING_MS, (a.until - a.from) / 2);
      if (a.from <= at && a.until <= at && door >= a.from - DAY_MS && door <= leftBy) {
        return { since: door, why: `not back from the absence reported until ${new Date(a.until).toISOString()}: the door has not been used since she left` };
      }
    }
  }
  const band = memory.homeRange;
  if (!band || !household.tags.includes(LIVING_ALONE) || at - band.heardAt <= 2 * band.heartbeatMs) return undefined;
  if (door !== undefined ? Math.abs(band.heardAt - door) > 2 * band.heartbeatMs + slackMs : band.heardAt < lastLife - slackMs) return undefined;
  const since = door ?? band.heardAt;
  return { since, why: `out: her wristband has not been heard at home since ${new Date(band.heardAt).toISOString()}${door !== undefined ? ', as the door was used' : ''}` };
}

/** Whether another device of the household reports signs of life (a door contact beside a meter): the welfare check can judge them together. */
export function otherLifeSensor(household: HouseholdContext | undefined, deviceId: string): boolean {
  for (const id of household?.memory?.lifeSensors ?? []) if (id !== deviceId) return true;
  return false;
}
