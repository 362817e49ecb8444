import type { HouseholdContext } from '../kinds/kind-api.js';

/** Whether the household is reported away at `at`. */
export function isAway(household: HouseholdContext | undefined, at: number): boolean {
  return household?.absences.some((a) => at >= a.from && at < a.until) ?? false;
}

/** Whether any reported absence overlaps [from, to). */
export function awayDuring(household: HouseholdContext | undefined, from: number, to: number): boolean {
  return household?.absences.some((a) => a.from < to && a.until > from) ?? false;
}

/**
 * The earliest a "nothing happened" window may start, seen at `at`: the end of the latest absence
 * that has begun, so that nobody is sent to a home its resident reported leaving (a pilot city
 * sent a grid worker to an elder who was at her daughter's), nor the moment she is back.
 */
export function windowFloor(household: HouseholdContext | undefined, at: number): number {
  let floor = Number.NEGATIVE_INFINITY;
  for (const a of household?.absences ?? []) if (at >= a.from && a.until > floor) floor = a.until;
  return floor;
}
