import { mixSeed } from '../../lib/seeded-random.js';
import { DAY, HOUR, MINUTE, SECOND, localDay } from '../models/common.js';
import { placeAbsences } from './absences.js';
import { planBand, type BandPlan } from './band-plan.js';
import { planCalendar } from './calendar.js';
import { deriveConfounders } from './confounders.js';
import type { Confounder, CorpusHousehold, Persona, TrueEvent } from './corpus.js';
import { planDay } from './day-life.js';
import { doorPlanOf, waterPlanOf, type DoorPlan, type WaterPlan } from './device-plans.js';
import { BAND_HEARTBEAT_MS, deviceIds, devicesOf, traitsOf, WATER_HEARTBEAT_MS, type Traits } from './personas.js';
import { householdSeed, Rng, STREAM } from './random.js';
import type { ReportGrid } from './report-grid.js';
import { allDoorUses, type DayLife, type Timeline } from './timeline.js';
import { placeTrueEvents } from './true-events.js';

/**
 * A household's plan for the whole corpus, made once: its days (`day-life.ts`), absences and
 * true events cut into them, the devices' plans the readings are computed from on demand, and
 * what really happened (truth, confounders).
 */
export interface HouseholdPlan {
  household: CorpusHousehold;
  traits: Traits;
  truth: TrueEvent[];
  confounders: Confounder[];
  water: WaterPlan;
  door?: DoorPlan;
  band?: BandPlan;
}

export interface HouseholdRequest {
  corpusSeed: number;
  /** 0-based; the id is hh-001 for 0. */
  index: number;
  persona: Persona;
  start: number;
  days: number;
}

/** The door contact's heartbeat: about every 50 min (its profile allows an hour). */
const DOOR_REPORT_MS = 50 * MINUTE;

export function householdId(index: number): string {
  return `hh-${String(index + 1).padStart(3, '0')}`;
}

export function planHousehold(req: HouseholdRequest): HouseholdPlan {
  const seed = householdSeed(req.corpusSeed, req.index);
  const id = householdId(req.index);
  const ids = deviceIds(id);
  const { start, days } = req;
  const end = start + days * DAY;
  const traits = traitsOf(req.persona, new Rng(seed, STREAM.traits));
  const calendar = planCalendar(traits, days, (localDay(start) + 3) % 7, new Rng(seed, STREAM.calendar));

  // The days, each from the one before only through an early night.
  const dayRnd = new Rng(seed, STREAM.day);
  const lives: DayLife[] = [];
  for (let d = 0; d < days; d++) {
    const prev = lives[d - 1];
    const firstWaterAt = prev?.earlyBedLastWater !== undefined ? prev.earlyBedLastWater + Math.round(dayRnd.between(12 * 60, 13 * 60)) * MINUTE : undefined;
    lives.push(
      planDay(
        { index: d, dayStart: start + d * DAY, weekday: (localDay(start) + d + 3) % 7, traits, flags: calendar.days[d]!, ...(firstWaterAt !== undefined ? { firstWaterAt } : {}) },
        dayRnd,
      ),
    );
  }
  const tl: Timeline = {
    days: lives,
    draws: lives.flatMap((l) => l.draws),
    outings: lives.flatMap((l) => l.outings),
    naps: lives.flatMap((l) => l.naps),
    visits: lives.flatMap((l) => l.visits),
    doors: lives.flatMap((l) => l.doors),
    nights: lives.map((l, d) => ({ from: d === 0 ? start : lives[d - 1]!.sleep, until: l.wake })),
  };
  const last = lives[days - 1];
  if (last) tl.nights.push({ from: last.sleep, until: end + 8 * HOUR });

  const devRnd = new Rng(seed, STREAM.devices);
  const grid = (tag: number, periodMs: number, jitterMs: number): ReportGrid => ({
    seed: mixSeed(seed, tag),
    origin: start + Math.round(devRnd.between(30 * SECOND, periodMs - 30 * SECOND)),
    periodMs,
    jitterMs,
  });
  const meterGrid = grid(0x3a7e, WATER_HEARTBEAT_MS, 20 * SECOND);
  const doorGrid = grid(0xd002, DOOR_REPORT_MS, 90 * SECOND);
  const bandGrid = grid(0xba4d, BAND_HEARTBEAT_MS, 20 * SECOND);

  const absences = placeAbsences(calendar.absences, tl, start, new Rng(seed, STREAM.absences));
  const events = placeTrueEvents(calendar.events, {
    householdId: id,
    tl,
    start,
    meterId: ids.water,
    meterGrid,
    ...(traits.hasBand ? { bandId: ids.band, bandGrid } : {}),
    rnd: new Rng(seed, STREAM.events),
  });
  tl.draws.sort((a, b) => a.at - b.at);
  tl.outings.sort((a, b) => a.out - b.out);

  let band: BandPlan | undefined;
  let exertions: { from: number; until: number }[] = [];
  if (traits.hasBand) {
    ({ band, exertions } = planBand({
      deviceId: ids.band,
      grid: bandGrid,
      hrSeed: mixSeed(seed, 0x4ea7),
      heart: traits.heart,
      tl,
      start,
      days,
      down: events.down,
      busy: events.busy,
      heartRates: events.heartRates,
      alarms: events.alarms,
      rnd: new Rng(seed, STREAM.band),
    }));
  }

  const water = waterPlanOf(
    {
      deviceId: ids.water,
      grid: meterGrid,
      start,
      baseL: Math.round(devRnd.between(30, 6_000) * 10) / 10,
      batteryPct: devRnd.between(50, 100),
      batteryPctPerDay: devRnd.between(0.01, 0.05),
      batteryPhase: devRnd.int(0, 23),
      dripLph: traits.dripLph,
      valveClosed: absences.map((a) => ({ from: a.leave, until: a.back })),
      dead: events.meterDead,
    },
    tl.draws,
  );
  const doorBattery = { batteryPct: devRnd.between(40, 100), batteryPctPerDay: devRnd.between(0.02, 0.05) };
  const door = traits.hasDoor ? doorPlanOf({ deviceId: ids.door, grid: doorGrid, start, ...doorBattery }, allDoorUses(tl)) : undefined;

  const truth = events.truth.sort((a, b) => a.from - b.from);
  const household: CorpusHousehold = {
    id,
    persona: traits.persona,
    tags: traits.tags,
    away: absences.flatMap((a) => (a.reported ? [a.reported] : [])).sort((a, b) => a.from - b.from),
    litresPerDay: traits.litresPerDay,
    devices: devicesOf(id, traits),
  };
  const confounders = deriveConfounders({ householdId: id, traits, calendar, tl, absences, truth, ...(band ? { band } : {}), exertions, start, end });
  return { household, traits, truth, confounders, water, ...(door ? { door } : {}), ...(band ? { band } : {}) };
}
