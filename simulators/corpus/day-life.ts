import { MINUTE, SECOND } from '../models/common.js';
import type { DayFlags } from './calendar.js';
import type { Traits } from './personas.js';
import type { Rng } from './random.js';
import type { DayLife, DoorUse, Draw, Outing, OutingKind, Span, Visit } from './timeline.js';

/**
 * One local day of a household as it would go if nothing interrupted it: when they get up and go
 * to bed, outings (the door at leaving and at coming back), a nap, visitors, deliveries, and the
 * water they draw, only while someone is at home and awake (a night toilet aside).
 */
export interface DayRequest {
  index: number;
  /** Local midnight. */
  dayStart: number;
  /** 0 = Monday. */
  weekday: number;
  traits: Traits;
  flags: DayFlags;
  /** After an early night: the first water of this morning, 12-13 h after the last; no night toilet. */
  firstWaterAt?: number;
}

interface Candidate {
  at: number;
  litres: number;
  lpm: number;
  flush: boolean;
  /** Any free moment of the day will do (a flush, washing hands), rather than around `at`. */
  flex: boolean;
}

/** A flush refills a cistern of about 6 L. */
export const FLUSH_L = 6;
/** No single draw runs longer than this (a long shower, a machine filling). */
const MAX_DRAW_MIN = 12;

export function planDay(req: DayRequest, rnd: Rng): DayLife {
  const { traits, flags } = req;
  const h = (hours: number): number => req.dayStart + Math.round(hours * 3600) * SECOND;
  const mins = (m: number): number => Math.round(m * 60) * SECOND;
  const door = (open: number, minS: number, maxS: number): DoorUse => ({ open, close: open + Math.round(rnd.between(minS, maxS) * SECOND) });
  const holiday = flags.kind === 'holiday';
  const workday = traits.worker && req.weekday < 5 && flags.kind === 'home';

  const wake = req.firstWaterAt ?? h(workday ? rnd.between(6.3, 7.2) : rnd.between(traits.wake[0], traits.wake[1]));
  let sleep = Math.min(h(23.5), h(rnd.between(traits.sleep[0], traits.sleep[1])) + (holiday ? mins(rnd.between(20, 60)) : 0));
  let lastWater: number | undefined;
  if (flags.earlyBed) {
    lastWater = h(rnd.between(19, 20));
    sleep = lastWater + mins(rnd.between(10, 40));
  }
  const awakeEnd = (): number => lastWater ?? sleep;

  const naps: Span[] = [];
  if (flags.nap && !workday && flags.kind !== 'day-trip') {
    const from = h(rnd.between(12.5, 14));
    naps.push({ from, until: from + mins(rnd.between(60, 180)) });
  }

  // Outings. A couple goes out together or one at a time; the band is the first one's.
  const outings: Outing[] = [];
  const together = { homeEmpty: true, wearerOut: true };
  const who = (): { homeEmpty: boolean; wearerOut: boolean } => {
    if (holiday) return { homeEmpty: false, wearerOut: true };
    if (traits.people === 1) return together;
    const r = rnd.next();
    return r < 0.5 ? together : r < 0.75 ? { homeEmpty: false, wearerOut: true } : { homeEmpty: false, wearerOut: false };
  };
  const addOuting = (out: number, back: number, kind: OutingKind, people = who()): boolean => {
    if (out < wake + mins(10) || back > awakeEnd() - mins(10) || back <= out) return false;
    if (outings.some((o) => o.out < back + mins(15) && o.back > out - mins(15))) return false;
    if (naps.some((n) => n.from < back + mins(10) && n.until > out - mins(10))) return false;
    outings.push({ out, back, kind, ...people, doors: [door(out, 5, 40), door(back, 10, 60)] });
    return true;
  };
  let workBack: number | undefined;
  if (flags.kind === 'day-trip') {
    const out = Math.max(h(rnd.between(7, 10)), wake + mins(rnd.between(30, 60)));
    const back = Math.min(out + mins(rnd.between(8 * 60, 13 * 60)), h(22.75));
    sleep = Math.max(sleep, back + mins(rnd.between(30, 50)));
    outings.push({ out, back, kind: 'day-trip', ...together, doors: [door(out, 5, 40), door(back, 10, 60)] });
  } else if (flags.kind !== 'stay-in') {
    if (workday) {
      const out = wake + mins(rnd.between(40, 75));
      const back = h(rnd.between(17.5, 19.5));
      if (addOuting(out, back, 'work', together)) workBack = back;
    } else {
      if (rnd.chance(traits.chances.morningOut)) {
        const out = wake + mins(rnd.between(30, 150));
        addOuting(out, out + mins(rnd.between(30, 120)), rnd.pick(['walk', 'market', 'market'] as const));
      }
      if (traits.people === 2 && rnd.chance(0.3)) {
        const out = h(rnd.between(9.5, 11.5));
        addOuting(out, out + mins(rnd.between(30, 90)), 'errand', holiday ? who() : { homeEmpty: false, wearerOut: false });
      }
      if (rnd.chance(traits.chances.afternoonOut)) {
        const out = Math.max(h(rnd.between(15, 16.5)), (naps[0]?.until ?? 0) + mins(rnd.between(15, 45)));
        addOuting(out, out + mins(rnd.between(30, 100)), rnd.pick(['walk', 'errand'] as const));
      }
    }
    if (rnd.chance(traits.chances.bins)) {
      const out = h(rnd.between(18.3, 19.6));
      addOuting(out, out + mins(rnd.between(2, 6)), 'bins');
    }
    // An ordinary day has her out at least once (a day with the door unused is a stay-in day).
    for (let attempt = 0; attempt < 8 && outings.length === 0; attempt++) {
      const out = attempt % 2 === 0 ? wake + mins(rnd.between(30, 180)) : h(rnd.between(15, 18.5));
      addOuting(out, out + mins(rnd.between(15, 75)), rnd.pick(['walk', 'market', 'errand'] as const));
    }
  }
  outings.sort((a, b) => a.out - b.out);

  const atHome = (t: number): boolean => !outings.some((o) => o.homeEmpty && t >= o.out - MINUTE && t < o.back + 2 * MINUTE);
  const inNap = (t: number): Span | undefined => naps.find((n) => t >= n.from && t < n.until);
  const awakeAtHome = (t: number): boolean => t >= wake && t < awakeEnd() && atHome(t) && !inNap(t);
  const freeTime = (from: number, until: number): number | undefined => {
    for (let i = 0; i < 40 && until > from; i++) {
      const t = Math.round(rnd.between(from, until) / SECOND) * SECOND;
      if (awakeAtHome(t)) return t;
    }
    return undefined;
  };

  const visits: Visit[] = [];
  if (flags.visitors) {
    for (let attempt = 0; attempt < 6; attempt++) {
      const from = h(rnd.between(9.5, 17));
      const until = from + mins(rnd.between(60, 180));
      if (until > awakeEnd() - mins(20)) continue;
      if (outings.some((o) => o.out < until + mins(10) && o.back > from - mins(10))) continue;
      if (naps.some((n) => n.from < until + mins(10) && n.until > from - mins(10))) continue;
      visits.push({ from, until, doors: [door(from, 10, 40), door(until, 5, 30)] });
      break;
    }
  }

  const doors: DoorUse[] = [];
  if (flags.kind === 'home' || holiday) {
    const n = holiday ? rnd.int(6, 12) : rnd.chance(traits.chances.delivery) ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const t = freeTime(Math.max(wake + mins(30), h(8)), Math.min(awakeEnd() - mins(30), h(22)));
      if (t !== undefined) doors.push(door(t, 5, 45));
    }
  }

  // Water.
  const draws: Draw[] = [];
  let nightFlush = false;
  if (flags.nightToilet && req.firstWaterAt === undefined) {
    const at = h(rnd.between(1, 5));
    if (at < wake - mins(30)) {
      draws.push({ at, litres: FLUSH_L, lpm: rnd.between(6, 9) });
      nightFlush = true;
    }
  }
  const candidates = traits.lowWater && !holiday ? lowUserDraws() : usualDraws();
  for (const c of candidates) {
    const at = c.flex ? freeTime(wake + mins(15), awakeEnd() - mins(5)) : relocate(c.at);
    const placedAt = at ?? freeTime(wake, awakeEnd());
    if (placedAt !== undefined) draws.push({ at: placedAt, litres: c.litres, lpm: Math.max(c.lpm, c.litres / MAX_DRAW_MIN) });
  }
  for (const v of visits) {
    draws.push({ at: v.from + mins(rnd.between(5, 15)), litres: rnd.between(1, 1.6), lpm: 4 });
    for (let i = rnd.int(0, 2); i > 0; i--) draws.push({ at: Math.round(rnd.between(v.from + mins(20), v.until - mins(5))), litres: FLUSH_L, lpm: rnd.between(6, 9) });
    draws.push({ at: v.until - mins(rnd.between(5, 15)), litres: rnd.between(1, 2), lpm: 4 });
  }
  draws.sort((a, b) => a.at - b.at);
  if (lastWater !== undefined) {
    // The evening's last water, then nothing until 12-13 h later.
    const last = draws[draws.length - 1];
    if (last && last.at < lastWater && last.at >= wake) last.at = lastWater;
  }
  return { index: req.index, dayStart: req.dayStart, wake, sleep, ...(lastWater !== undefined ? { earlyBedLastWater: lastWater } : {}), outings, naps, visits, doors, draws };

  /** Moves a draw out of an outing or a nap to just after it. */
  function relocate(at: number): number | undefined {
    let t = at;
    for (let i = 0; i < 6; i++) {
      const out = outings.find((o) => o.homeEmpty && t >= o.out - MINUTE && t < o.back + 2 * MINUTE);
      const nap = inNap(t);
      if (t < wake) t = wake + mins(rnd.between(2, 15));
      else if (out) t = out.back + mins(rnd.between(2, 10));
      else if (nap) t = nap.until + mins(rnd.between(2, 10));
      else if (t >= awakeEnd()) return undefined;
      else return t;
    }
    return undefined;
  }

  /** 60-160 L a day each person: washes, cooking, washing up, flushes, a shower, laundry. */
  function usualDraws(): Candidate[] {
    const c: Candidate[] = [];
    const add = (at: number, litres: number, lpm: number, flush = false, flex = false): void => {
      c.push({ at, litres, lpm, flush, flex });
    };
    const people = traits.people + (holiday ? rnd.int(2, 4) : 0);
    for (let p = 0; p < people; p++) {
      const offset = p === 0 ? 0 : mins(rnd.between(5, 40));
      add(wake + offset + (p === 0 && req.firstWaterAt !== undefined ? 0 : mins(rnd.between(2, 10))), FLUSH_L, rnd.between(6, 9), true);
      add(wake + offset + mins(rnd.between(8, 25)), rnd.between(3, 8), rnd.between(3, 5));
      add(awakeEnd() - mins(rnd.between(20, 45)) - (p === 0 ? 0 : mins(rnd.between(5, 25))), rnd.between(5, 12), rnd.between(3, 6));
      if (rnd.chance(traits.chances.shower)) add(awakeEnd() - mins(rnd.between(60, 120)), rnd.between(30, 60), rnd.between(7, 9));
      for (let i = rnd.int(3, 6); i > 0; i--) add(0, FLUSH_L, rnd.between(6, 9), true, true);
      for (let i = rnd.int(2, 4); i > 0; i--) add(0, rnd.between(1, 2), rnd.between(3, 6), false, true);
    }
    add(wake + mins(rnd.between(25, 50)), rnd.between(1.5, 3), 4);
    if (!workday) {
      const cook = h(rnd.between(11, 12));
      add(cook, rnd.between(3, 8), 5);
      add(cook + mins(rnd.between(40, 70)), rnd.between(5, 12), 6);
    }
    const dinner = workBack !== undefined ? Math.max(h(rnd.between(17, 18.5)), workBack + mins(rnd.between(15, 40))) : h(rnd.between(17, 18.5));
    add(dinner, rnd.between(4, 10), 5);
    add(dinner + mins(rnd.between(40, 80)), rnd.between(6, 14), 6);
    if (rnd.chance(holiday ? 0.6 : traits.chances.laundry)) {
      const start = workday ? h(rnd.between(19.5, 20.5)) : h(rnd.between(8.5, 10.5));
      for (let i = 0, n = rnd.int(2, 3); i < n; i++) add(start + i * mins(rnd.between(15, 25)), rnd.between(15, 25), rnd.between(10, 12));
    }
    const ordinary = traits.lowWater ? traits.litresPerDay + (people - 1) * rnd.between(60, 90) : (traits.litresPerDay * people) / traits.people;
    const target = ordinary * rnd.between(0.8, 1.2);
    const fixed = c.reduce((sum, x) => sum + (x.flush ? x.litres : 0), 0);
    const variable = c.reduce((sum, x) => sum + (x.flush ? 0 : x.litres), 0);
    const factor = Math.max(0.3, (target - fixed) / variable);
    for (const x of c) if (!x.flush) x.litres *= factor;
    return c;
  }

  /** 23-30 L in few draws: two or three flushes (a night one counts), a wash, a pot, the washing up. */
  function lowUserDraws(): Candidate[] {
    const target = Math.min(30, Math.max(23, traits.litresPerDay + rnd.between(-3.5, 3.5)));
    const dayFlushes = nightFlush ? rnd.int(1, 2) : rnd.int(2, 3);
    const rest = target - FLUSH_L * (dayFlushes + (nightFlush ? 1 : 0));
    const weights = [rnd.between(0.25, 0.45), rnd.between(0.2, 0.4), rnd.between(0.25, 0.45)] as const;
    const sum = weights[0] + weights[1] + weights[2];
    const cook = rnd.chance(0.5) ? h(rnd.between(10.8, 11.8)) : h(rnd.between(16.8, 17.8));
    const c: Candidate[] = [
      { at: wake + (req.firstWaterAt !== undefined ? 0 : mins(rnd.between(5, 20))), litres: (rest * weights[0]) / sum, lpm: 3, flush: false, flex: false },
      { at: cook, litres: (rest * weights[1]) / sum, lpm: 4, flush: false, flex: false },
      { at: cook + mins(rnd.between(40, 70)), litres: (rest * weights[2]) / sum, lpm: 4, flush: false, flex: false },
    ];
    for (let i = 0; i < dayFlushes; i++) c.push({ at: 0, litres: FLUSH_L, lpm: rnd.between(6, 9), flush: true, flex: true });
    return c;
  }
}
