import { DAY, HOUR, MINUTE } from '../models/common.js';
import type { PlacedAbsence } from './absences.js';
import type { BandPlan } from './band-plan.js';
import type { Calendar } from './calendar.js';
import type { Confounder, ConfounderKind, TrueEvent } from './corpus.js';
import type { Traits } from './personas.js';
import { allDoorUses, countBelow, drawEnd, type Span, type Timeline } from './timeline.js';

/**
 * The ordinary life in a household's final plan that looks like trouble to a naive rule, each as
 * a span, for the breakdown of false alarms by cause. Absences run from leaving to coming back
 * (`away-overran` is the whole of such an absence, not only its overrun); a stay-in day runs from
 * the last door use before it to the first after it.
 */
export interface ConfounderInput {
  householdId: string;
  traits: Traits;
  calendar: Calendar;
  tl: Timeline;
  absences: readonly PlacedAbsence[];
  truth: readonly TrueEvent[];
  band?: BandPlan;
  exertions: readonly Span[];
  start: number;
  end: number;
}

export function deriveConfounders(x: ConfounderInput): Confounder[] {
  const list: Confounder[] = [];
  const add = (kind: ConfounderKind, from: number, until: number): void => {
    list.push({ householdId: x.householdId, kind, from, until });
  };
  const { tl, start, end } = x;
  if (x.traits.lowWater) add('low-water-user', start, end);

  const doors = allDoorUses(tl);
  const opens = doors.map((u) => u.open);
  const incapacitations = x.truth.filter((t) => t.kind === 'incapacitation');
  let lastStayIn = Number.NaN;
  x.calendar.days.forEach((flags, d) => {
    if (flags.kind !== 'stay-in') return;
    const dayStart = start + d * DAY;
    const i = countBelow(opens, dayStart);
    const from = i > 0 ? doors[i - 1]!.close : start;
    const nextOpen = doors[i]?.open ?? end;
    if (nextOpen < dayStart + DAY || from === lastStayIn) return;
    let until = Math.min(nextOpen, end);
    for (const inc of incapacitations) if (inc.from >= from && inc.from < until) until = inc.from;
    lastStayIn = from;
    add('stay-in-day', from, until);
  });

  for (const o of tl.outings) if (o.kind === 'day-trip') add('day-trip', o.out, o.back);
  for (const a of x.absences) add(a.kind, a.leave, a.back);

  for (const life of tl.days) {
    if (life.earlyBedLastWater === undefined) continue;
    const i = tl.draws.findIndex((d) => d.at === life.earlyBedLastWater);
    const last = tl.draws[i];
    const next = tl.draws[i + 1];
    if (i < 0 || !last || !next || next.at - drawEnd(last) < 10 * HOUR) continue;
    add('early-bed', drawEnd(last), next.at);
  }
  for (const n of tl.naps) add('nap', n.from, n.until);
  for (const v of tl.visits) add('visitors', v.from, v.until);
  for (const h of x.calendar.holidays) add('holiday', start + h.first * DAY, start + (h.last + 1) * DAY);
  for (const e of x.exertions) add('exertion', e.from, e.until);

  const band = x.band;
  if (band) {
    if (band.heart.lowResting) {
      for (const night of tl.nights) {
        const touched = (spans: readonly Span[]): boolean => spans.some((s) => s.from < night.until && s.until > night.from);
        if (!touched(band.out) && !touched(band.down)) add('low-resting-hr', night.from, night.until);
      }
    }
    for (const s of band.out) if (s.until - s.from > 30 * MINUTE) add('band-out', s.from, s.until);
  }
  return list.sort((a, b) => a.from - b.from || a.kind.localeCompare(b.kind));
}
