import type { TrueEvent } from './corpus.js';
import type { Traits } from './personas.js';
import type { Rng } from './random.js';

/**
 * Which day is which, for one household over the corpus: absences, a family holiday, day trips,
 * stay-in days, the days true events happen on, and each day's small things (visitors, an early
 * night, a nap, a night toilet). Times are chosen later, from the days' life.
 */
export type DayKind = 'home' | 'stay-in' | 'day-trip' | 'holiday';

export interface DayFlags {
  kind: DayKind;
  visitors: boolean;
  earlyBed: boolean;
  nap: boolean;
  /** Up at night for the toilet in the small hours of this day. */
  nightToilet: boolean;
}

export type AbsenceKind = 'away-reported' | 'away-unreported' | 'away-overran';

export interface PlannedAbsence {
  kind: AbsenceKind;
  leaveDay: number;
  /** The day she really comes back (may be past the corpus). */
  returnDay: number;
  /** The day she said she would be back (reported absences). */
  saidReturnDay: number;
}

export type IncapacitationStart = 'night' | 'day' | 'stay-in';

export interface PlannedEvent {
  kind: TrueEvent['kind'];
  day: number;
  incapacitation?: IncapacitationStart;
}

export interface Calendar {
  days: DayFlags[];
  absences: PlannedAbsence[];
  holidays: { first: number; last: number }[];
  events: PlannedEvent[];
}

/** True events per household over 30 days (band events per band household). */
export const EVENT_RATES = {
  incapacitation: 1 / 12,
  /** The partner would act: a couple's rarely goes unnoticed. */
  incapacitationCouple: 1 / 60,
  sos: 1 / 15,
  fall: 1 / 15,
  tachycardia: 1 / 20,
  meterFault: 1 / 25,
} as const;

type Use = '' | 'away' | 'holiday' | 'trip' | 'event';

/** How many of something with `ratePer30` over 30 days happen in `days`. */
function countFor(ratePer30: number, days: number, rnd: Rng): number {
  const expected = (ratePer30 * days) / 30;
  return Math.floor(expected) + (rnd.chance(expected - Math.floor(expected)) ? 1 : 0);
}

export function planCalendar(traits: Traits, days: number, firstWeekday: number, rnd: Rng): Calendar {
  const use: Use[] = Array.from({ length: days }, () => '');
  /** Days next to an absence or holiday: ordinary life, but no true event there. */
  const near: boolean[] = Array.from({ length: days }, () => false);
  const flags: DayFlags[] = Array.from({ length: days }, () => ({ kind: 'home', visitors: false, earlyBed: false, nap: false, nightToilet: false }));
  const free = (from: number, to: number): boolean => {
    for (let d = Math.max(0, from); d <= Math.min(days - 1, to); d++) if (use[d] !== '' || near[d]) return false;
    return true;
  };
  const mark = (from: number, to: number, what: Use): void => {
    for (let d = Math.max(0, from); d <= Math.min(days - 1, to); d++) use[d] = what;
    if (from - 1 >= 0) near[from - 1] = true;
    if (to + 1 < days) near[to + 1] = true;
  };
  const weekday = (d: number): number => (firstWeekday + d) % 7;

  const absences: PlannedAbsence[] = [];
  for (let i = countFor(traits.chances.away, days, rnd); i > 0 && days >= 8; i--) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const leaveDay = rnd.int(1, days - 3);
      const saidReturnDay = leaveDay + rnd.int(2, 6);
      const r = rnd.next();
      const kind: AbsenceKind = r < 0.12 ? 'away-unreported' : r < 0.25 ? 'away-overran' : 'away-reported';
      const returnDay = kind === 'away-overran' ? saidReturnDay + rnd.int(1, 2) : saidReturnDay;
      if (!free(leaveDay - 1, returnDay + 1)) continue;
      mark(leaveDay, returnDay, 'away');
      absences.push({ kind, leaveDay, returnDay, saidReturnDay });
      break;
    }
  }

  const holidays: { first: number; last: number }[] = [];
  if (days >= 5 && rnd.chance(Math.min(1, (traits.chances.holiday * days) / 30))) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const first = rnd.int(0, days - 2);
      const last = Math.min(days - 1, first + rnd.int(1, 3));
      if (!free(first, last)) continue;
      mark(first, last, 'holiday');
      for (let d = first; d <= last; d++) flags[d]!.kind = 'holiday';
      holidays.push({ first, last });
      break;
    }
  }

  const events: PlannedEvent[] = [];
  const place = (kind: TrueEvent['kind'], before: number, after: number, incapacitation?: IncapacitationStart): void => {
    const candidates: number[] = [];
    for (let d = 0; d < days; d++) if (free(d - before, d + after)) candidates.push(d);
    if (candidates.length === 0) return;
    const day = rnd.pick(candidates);
    mark(day - before, day + after, 'event');
    events.push(incapacitation ? { kind, day, incapacitation } : { kind, day });
  };
  const incapacitationRate = traits.people === 2 ? EVENT_RATES.incapacitationCouple : EVENT_RATES.incapacitation;
  for (let i = countFor(incapacitationRate, days, rnd); i > 0; i--) {
    const r = rnd.next();
    place('incapacitation', 1, 2, r < 0.35 ? 'night' : r < 0.8 ? 'day' : 'stay-in');
  }
  if (traits.hasBand) {
    for (let i = countFor(EVENT_RATES.sos, days, rnd); i > 0; i--) place('sos', 1, 1);
    for (let i = countFor(EVENT_RATES.fall, days, rnd); i > 0; i--) place('fall', 1, 1);
    for (let i = countFor(EVENT_RATES.tachycardia, days, rnd); i > 0; i--) place('tachycardia', 1, 1);
  }
  for (let i = countFor(EVENT_RATES.meterFault, days, rnd); i > 0; i--) place('meter-fault', 1, 4);
  for (const e of events) if (e.incapacitation === 'stay-in') flags[e.day]!.kind = 'stay-in';

  for (let d = 0; d < days; d++) {
    const f = flags[d]!;
    const isFree = use[d] === '';
    const workday = traits.worker && weekday(d) < 5;
    if (isFree && rnd.chance(traits.chances.dayTrip)) {
      f.kind = 'day-trip';
      use[d] = 'trip';
    } else if (
      (isFree || use[d] === 'event') &&
      f.kind === 'home' &&
      // One day in, not several: days on end with the door unused are another story.
      flags[d - 1]?.kind !== 'stay-in' &&
      flags[d + 1]?.kind !== 'stay-in' &&
      rnd.chance(workday ? traits.chances.stayIn / 3 : traits.chances.stayIn)
    ) {
      f.kind = 'stay-in';
    }
  }
  for (let d = 0; d < days; d++) {
    const f = flags[d]!;
    f.nightToilet = rnd.chance(traits.chances.nightToilet);
    f.nap = f.kind !== 'day-trip' && rnd.chance(traits.chances.nap);
    f.visitors = f.kind === 'home' && use[d] === '' && rnd.chance(traits.chances.visitors);
    // The next morning must be an ordinary one at home for "12-13 h to the first water".
    const next = flags[d + 1];
    f.earlyBed =
      f.kind !== 'day-trip' && f.kind !== 'holiday' && use[d] === '' && next !== undefined && (use[d + 1] === '' || use[d + 1] === 'trip') && next.kind !== 'holiday' && rnd.chance(traits.chances.earlyBed);
    if (f.earlyBed) f.visitors = false;
  }
  return { days: flags, absences, holidays, events };
}
