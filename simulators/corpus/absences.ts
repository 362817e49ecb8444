import { HOUR, MINUTE, SECOND } from '../models/common.js';
import type { AbsenceKind, PlannedAbsence } from './calendar.js';
import type { Rng } from './random.js';
import { clearWindow, type Span, type Timeline } from './timeline.js';

/**
 * Absences of days: she leaves after breakfast one day and comes back in the day some days later.
 * Nothing happens at home meanwhile (the main valve is shut, as people do before a trip, so even a
 * dripping tap stops). A reported absence is what she told the grid worker: from a little after
 * she left, until a little before she came back, or (overran) a day or two before.
 */
export interface PlacedAbsence {
  kind: AbsenceKind;
  leave: number;
  back: number;
  /** What she reported (gateway.yaml `away`), for reported and overran ones. */
  reported?: Span;
}

export function placeAbsences(planned: readonly PlannedAbsence[], tl: Timeline, start: number, rnd: Rng): PlacedAbsence[] {
  const at = (day: number, hours: number): number => start + day * 24 * HOUR + Math.round(hours * 3600) * SECOND;
  const placed: PlacedAbsence[] = [];
  for (const a of planned) {
    const leaveDay = tl.days[a.leaveDay];
    if (!leaveDay) continue;
    let leave = Math.max(at(a.leaveDay, rnd.between(7.5, 15)), leaveDay.wake + Math.round(rnd.between(30, 60)) * MINUTE);
    if (leave > leaveDay.sleep - HOUR) leave = leaveDay.wake + HOUR;
    const back = at(a.returnDay, rnd.between(10, 20));
    const p: PlacedAbsence = { kind: a.kind, leave, back };
    if (a.kind !== 'away-unreported') {
      const saidBack = a.kind === 'away-overran' ? at(a.saidReturnDay, rnd.between(10, 20)) : back - Math.round(rnd.between(0, 3) * 60) * MINUTE;
      const from = Math.ceil((leave + Math.round(rnd.between(5, 60)) * MINUTE) / HOUR) * HOUR;
      const until = Math.floor(saidBack / HOUR) * HOUR;
      if (until > from) p.reported = { from, until };
    }
    clearWindow(tl, leave - 10 * MINUTE, back + 10 * MINUTE);
    tl.outings.push({
      out: leave,
      back,
      kind: 'away',
      homeEmpty: true,
      wearerOut: true,
      doors: [
        { open: leave, close: leave + Math.round(rnd.between(5, 40)) * SECOND },
        { open: back, close: back + Math.round(rnd.between(10, 60)) * SECOND },
      ],
    });
    placed.push(p);
  }
  tl.outings.sort((a, b) => a.out - b.out);
  return placed;
}
