import { DAY, HOUR, MINUTE, SECOND } from '../models/common.js';
import type { PlannedEvent } from './calendar.js';
import type { TrueEvent } from './corpus.js';
import type { Rng } from './random.js';
import { firstReportFrom, reportTime, type ReportGrid } from './report-grid.js';
import { clearWindow, drawEnd, type Span, type Timeline } from './timeline.js';

/**
 * What really happens, placed on the household's timeline on the days the calendar chose. An
 * incapacitation stops all water and door use from the resident's last act until she is found
 * (36-48 h later: help opens the door, then life resumes); an SOS or a fall stops her until help
 * comes; a run of tachycardia shows on the band; a dead water meter stops reporting for 1-3 days.
 */
export interface PlacedEvents {
  truth: TrueEvent[];
  /** Down and unable to get up: the band (if worn) still reports, the heart normal or weak. */
  down: Span[];
  alarms: { at: number; event: 'sos' | 'fall' }[];
  /** Heart rates of given band reports (a run of tachycardia and its recovery). */
  heartRates: Map<number, number>;
  /** The water meter's reports [firstK, firstK + count) never come. */
  meterDead: { firstK: number; count: number }[];
  /** The resident's true events with a margin: nothing else of the band (a charge, an exertion) goes there. */
  busy: Span[];
}

export interface EventContext {
  householdId: string;
  tl: Timeline;
  start: number;
  meterId: string;
  meterGrid: ReportGrid;
  bandId?: string;
  bandGrid?: ReportGrid;
  rnd: Rng;
}

export function placeTrueEvents(planned: readonly PlannedEvent[], ctx: EventContext): PlacedEvents {
  const { tl, rnd, householdId } = ctx;
  const placed: PlacedEvents = { truth: [], down: [], alarms: [], heartRates: new Map(), meterDead: [], busy: [] };
  const mins = (m: number): number => Math.round(m * 60) * SECOND;
  const helpArrives = (at: number): void => {
    tl.doors.push({ open: at, close: at + Math.round(rnd.between(20, 90)) * SECOND });
  };
  /** A moment she is awake at home, with no outing from `clearBefore` before to `clearAfter` after. */
  const quietMoment = (day: number, clearBefore: number, clearAfter: number): number | undefined => {
    const life = tl.days[day];
    if (!life) return undefined;
    const end = (life.earlyBedLastWater ?? life.sleep) - mins(90);
    for (let i = 0; i < 60; i++) {
      const t = Math.round(rnd.between(life.wake + mins(30), end) / SECOND) * SECOND;
      if (tl.outings.some((o) => o.out < t + clearAfter && o.back > t - clearBefore)) continue;
      if (tl.naps.some((n) => n.from <= t + clearAfter && n.until > t - 10 * MINUTE)) continue;
      if (tl.visits.some((v) => v.from <= t + clearAfter && v.until > t - clearBefore)) continue;
      return t;
    }
    return undefined;
  };

  for (const e of [...planned].sort((a, b) => a.day - b.day)) {
    const life = tl.days[e.day];
    if (!life) continue;
    if (e.kind === 'incapacitation') {
      let cutoff: number;
      if (e.incapacitation === 'night') {
        const nightEnd = tl.days[e.day + 1]?.wake ?? life.sleep + 8 * HOUR;
        const nightToilet = tl.draws.find((d) => d.at >= life.sleep && d.at < nightEnd);
        cutoff = nightToilet && rnd.chance(0.5) ? drawEnd(nightToilet) + mins(rnd.between(1, 5)) : life.sleep + mins(rnd.between(1, 30));
      } else {
        const end = (life.earlyBedLastWater ?? life.sleep) - HOUR;
        cutoff = Math.round(rnd.between(life.wake + HOUR, end) / SECOND) * SECOND;
        // Not out: she came back, closed the door, and went down.
        const out = tl.outings.find((o) => cutoff >= o.out - MINUTE && cutoff < o.back + 2 * MINUTE);
        if (out) cutoff = out.back + mins(rnd.between(3, 8));
        const visit = tl.visits.find((v) => cutoff >= v.from - MINUTE && cutoff < v.until + 2 * MINUTE);
        if (visit) cutoff = visit.until + mins(rnd.between(3, 8));
      }
      // Her last act: the end of the last draw, or the last door closed, before the cut.
      let from = 0;
      for (const d of tl.draws) if (d.at < cutoff) from = Math.max(from, drawEnd(d));
      for (const o of tl.outings) for (const u of o.doors) if (u.open < cutoff) from = Math.max(from, u.close);
      for (const v of tl.visits) for (const u of v.doors) if (u.open < cutoff) from = Math.max(from, u.close);
      for (const u of tl.doors) if (u.open < cutoff) from = Math.max(from, u.close);
      if (from === 0) from = cutoff;
      const until = from + mins(rnd.between(36 * 60, 48 * 60));
      clearWindow(tl, from, until);
      helpArrives(until);
      placed.truth.push({ householdId, kind: 'incapacitation', from, until });
      placed.down.push({ from, until });
      placed.busy.push({ from: from - HOUR, until: until + HOUR });
    } else if (e.kind === 'sos' || e.kind === 'fall') {
      if (!ctx.bandId) continue;
      const from = quietMoment(e.day, 45 * MINUTE, 3 * HOUR);
      if (from === undefined) continue;
      const until = from + (e.kind === 'sos' ? mins(rnd.between(20, 60)) : mins(rnd.between(30, 90)));
      clearWindow(tl, from, until);
      helpArrives(until);
      placed.alarms.push({ at: from, event: e.kind });
      placed.truth.push({ householdId, kind: e.kind, from, until, deviceId: ctx.bandId });
      placed.busy.push({ from: from - HOUR, until: until + HOUR });
    } else if (e.kind === 'tachycardia') {
      if (!ctx.bandId || !ctx.bandGrid) continue;
      const t = quietMoment(e.day, 70 * MINUTE, 70 * MINUTE);
      if (t === undefined) continue;
      const k0 = firstReportFrom(ctx.bandGrid, t);
      const n = rnd.int(5, 7);
      for (let i = 0; i < n; i++) placed.heartRates.set(k0 + i, i === 0 ? rnd.int(122, 130) : rnd.int(124, 150));
      // Then it settles, through the high normal range.
      placed.heartRates.set(k0 + n, rnd.int(100, 114));
      placed.heartRates.set(k0 + n + 1, rnd.int(90, 104));
      const from = reportTime(ctx.bandGrid, k0);
      const until = reportTime(ctx.bandGrid, k0 + n);
      placed.truth.push({ householdId, kind: 'tachycardia', from, until, deviceId: ctx.bandId });
      placed.busy.push({ from: from - HOUR, until: until + HOUR });
    } else {
      const t = life.dayStart + mins(rnd.between(0, 24 * 60));
      const firstK = Math.max(1, firstReportFrom(ctx.meterGrid, t));
      const count = Math.round(rnd.between(1, 3) * (DAY / ctx.meterGrid.periodMs));
      const from = reportTime(ctx.meterGrid, firstK - 1);
      const until = reportTime(ctx.meterGrid, firstK + count);
      placed.meterDead.push({ firstK, count });
      placed.truth.push({ householdId, kind: 'meter-fault', from, until, deviceId: ctx.meterId });
    }
  }
  tl.doors.sort((a, b) => a.open - b.open);
  return placed;
}
