import type { HouseholdContext } from '../kinds/kind-api.js';

/** Whether the household is reported away at `at`. */
export function isAway(household: HouseholdContext | undefined, at: number): boolean {
  const away = household?.away;
  return away != null && at >= away.from && at < away.until;
}

/**
 * The earliest a "nothing happened" window may start, seen at `at`: the end of an absence that
 * has begun, so that nobody is sent to a home its resident reported leaving (a pilot city sent a
 * grid worker to an elder who was at her daughter's), nor the moment she is back.
 */
export function windowFloor(household: HouseholdContext | undefined, at: number): number {
  const away = household?.away;
  return away != null && at >= away.from ? away.until : Number.NEGATIVE_INFINITY;
}
