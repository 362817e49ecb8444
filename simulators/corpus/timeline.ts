import { MINUTE } from '../models/common.js';

/**
 * A household's life as instants (ms since the epoch), what every device of the home is derived
 * from: water draws, door uses, outings, naps, visits, nights. Planned day by day
 * (`day-life.ts`), then absences and true events clear windows of it (`clearWindow`).
 */
export interface Span {
  from: number;
  until: number;
}

/** Water drawn from `at` at `lpm` litres a minute until `litres` have run. */
export interface Draw {
  at: number;
  litres: number;
  lpm: number;
}

/** The door opened at `open` and closed again at `close` (seconds to a minute later). */
export interface DoorUse {
  open: number;
  close: number;
}

export type OutingKind = 'walk' | 'market' | 'errand' | 'bins' | 'work' | 'day-trip' | 'away';

export interface Outing {
  out: number;
  back: number;
  kind: OutingKind;
  /** Nobody at home (a couple's solo outing leaves the partner in). */
  homeEmpty: boolean;
  /** The band's wearer is out with it (it is heard only at home). */
  wearerOut: boolean;
  /** The door at leaving and at coming back. */
  doors: [DoorUse, DoorUse];
}

/** Someone came to see them: the door at arrival and at departure. */
export interface Visit extends Span {
  doors: [DoorUse, DoorUse];
}

/** One local day as planned, before absences and true events cut into it. */
export interface DayLife {
  index: number;
  dayStart: number;
  wake: number;
  sleep: number;
  /** The evening's last water when the resident went to bed early. */
  earlyBedLastWater?: number;
  outings: Outing[];
  naps: Span[];
  visits: Visit[];
  /** Door uses that are no outing or visit: a delivery, a neighbour, family on holiday, help arriving. */
  doors: DoorUse[];
  draws: Draw[];
}

/** The whole span of a household, flattened from its days. */
export interface Timeline {
  days: DayLife[];
  draws: Draw[];
  outings: Outing[];
  naps: Span[];
  visits: Visit[];
  doors: DoorUse[];
  /** Asleep at home: from one evening's sleep to the next morning's wake. */
  nights: Span[];
}

/** The longest a single draw runs (a shower, a washing machine filling). */
export const MAX_DRAW_MS = 15 * MINUTE;

export function drawEnd(draw: Draw): number {
  return draw.at + Math.round((draw.litres / draw.lpm) * MINUTE);
}

export function overlaps(span: Span, from: number, until: number): boolean {
  return span.from < until && span.until > from;
}

/**
 * Removes from the timeline all that would happen in [from, until): draws running then, outings,
 * visits and naps touching it, door uses in it. Nights stay (they only shape the heart rate).
 */
export function clearWindow(tl: Timeline, from: number, until: number): void {
  tl.draws = tl.draws.filter((d) => drawEnd(d) <= from || d.at >= until);
  tl.outings = tl.outings.filter((o) => o.back < from || o.out >= until);
  tl.visits = tl.visits.filter((v) => !overlaps(v, from, until));
  tl.naps = tl.naps.filter((n) => !overlaps(n, from, until));
  tl.doors = tl.doors.filter((u) => u.close < from || u.open >= until);
}

/** Every door use of the timeline, in time order, overlapping ones merged into one opening. */
export function allDoorUses(tl: Timeline): DoorUse[] {
  const uses = [...tl.doors, ...tl.outings.flatMap((o) => o.doors), ...tl.visits.flatMap((v) => v.doors)].sort((a, b) => a.open - b.open);
  const merged: DoorUse[] = [];
  for (const use of uses) {
    const last = merged[merged.length - 1];
    if (last && use.open <= last.close) last.close = Math.max(last.close, use.close);
    else merged.push({ ...use });
  }
  return merged;
}

/** Sorted, non-overlapping spans from any spans. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  const merged: Span[] = [];
  for (const s of sorted) {
    const last = merged[merged.length - 1];
    if (last && s.from <= last.until) last.until = Math.max(last.until, s.until);
    else merged.push({ ...s });
  }
  return merged;
}

/** The number of sorted values < x. */
export function countBelow(values: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last of sorted, non-overlapping `spans` that began at or before `t` (it may have ended), if any. */
export function lastSpanFrom<S extends Span>(spans: readonly S[], t: number): S | undefined {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid]!.from <= t) lo = mid + 1;
    else hi = mid;
  }
  return spans[lo - 1];
}

/** The span of sorted, non-overlapping `spans` that holds `t`, if any. */
export function spanAt(spans: readonly Span[], t: number): Span | undefined {
  const s = lastSpanFrom(spans, t);
  return s && t < s.until ? s : undefined;
}
