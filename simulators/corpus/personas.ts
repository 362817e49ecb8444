import { HOUR, MINUTE } from '../models/common.js';
import type { CorpusDevice, Persona } from './corpus.js';
import type { Rng } from './random.js';

/**
 * Who lives in each household and how they live: tags, water use, which devices they have, how
 * often each kind of day comes, and the wearer's heart. Figures are plausible life, not tuned to
 * any rule.
 */
export const PERSONA_SHARES: readonly (readonly [Persona, number])[] = [
  ['elder-alone-80', 0.35],
  ['elder-alone', 0.25],
  ['alone', 0.2],
  ['couple', 0.2],
];

export const TAGS: Record<Persona, readonly string[]> = {
  'elder-alone-80': ['living-alone', 'aged-80-plus'],
  'elder-alone': ['living-alone'],
  alone: ['living-alone'],
  couple: [],
};

/** Chances per day (per household over 30 days for `away` and `holiday`). */
export interface Chances {
  stayIn: number;
  dayTrip: number;
  visitors: number;
  earlyBed: number;
  nap: number;
  nightToilet: number;
  away: number;
  holiday: number;
  delivery: number;
  morningOut: number;
  afternoonOut: number;
  bins: number;
  shower: number;
  laundry: number;
}

export interface HeartTraits {
  /** Resting, awake. */
  awakeBpm: number;
  /** Asleep (a low-resting wearer sleeps at 50-56 whatever this says). */
  asleepBpm: number;
  lowResting: boolean;
  /** When she cannot get up, the heart is weak (low 50s) rather than normal. */
  weakWhenDown: boolean;
  drainPctPerDay: number;
  /** Put on the charger in the evening once it would show less than this by the next evening. */
  chargeBelowPct: number;
  startPct: number;
  /** Local hour she puts it on the charger. */
  chargeHour: number;
}

export interface Traits {
  persona: Persona;
  tags: string[];
  people: 1 | 2;
  elder: boolean;
  /** Out at work on weekdays. */
  worker: boolean;
  lowWater: boolean;
  litresPerDay: number;
  /** A dripping tap or running cistern, litres an hour (0: none). */
  dripLph: number;
  hasDoor: boolean;
  hasBand: boolean;
  /** Local hours she wakes and goes to sleep between. */
  wake: readonly [number, number];
  sleep: readonly [number, number];
  chances: Chances;
  heart: HeartTraits;
}

const ELDER: Chances = {
  stayIn: 1 / 12,
  dayTrip: 1 / 30,
  visitors: 1 / 10,
  // About one night in 45 without a night toilet after an early bed: the outside corpus showed 1-2 % of
  // nights quiet 12 h and more (17 alerts in 750 household-days); 1 in 15 made it 5 %.
  earlyBed: 1 / 45,
  nap: 0.5,
  nightToilet: 0.4,
  away: 0.3,
  holiday: 0.15,
  delivery: 0.25,
  morningOut: 0.75,
  afternoonOut: 0.45,
  bins: 0.35,
  shower: 0.35,
  laundry: 0.25,
};

const YOUNGER: Chances = {
  stayIn: 1 / 25,
  dayTrip: 1 / 20,
  visitors: 1 / 14,
  earlyBed: 1 / 60,
  nap: 0.12,
  nightToilet: 0.12,
  away: 0.35,
  holiday: 0.08,
  delivery: 0.4,
  morningOut: 0.5,
  afternoonOut: 0.5,
  bins: 0.3,
  shower: 0.6,
  laundry: 0.3,
};

/** Personas in their shares (largest remainder), shuffled: the shares hold for any corpus size. */
export function assignPersonas(count: number, rnd: Rng): Persona[] {
  const exact = PERSONA_SHARES.map(([persona, share]) => ({ persona, n: Math.floor(share * count), rest: share * count - Math.floor(share * count) }));
  let left = count - exact.reduce((sum, e) => sum + e.n, 0);
  for (const e of [...exact].sort((a, b) => b.rest - a.rest)) {
    if (left-- <= 0) break;
    e.n++;
  }
  return rnd.shuffle(exact.flatMap((e) => Array.from({ length: e.n }, () => e.persona)));
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export function traitsOf(persona: Persona, rnd: Rng): Traits {
  const aloneElder = persona === 'elder-alone-80' || persona === 'elder-alone';
  const elder = aloneElder || (persona === 'couple' && rnd.chance(0.6));
  const worker = persona === 'alone' && rnd.chance(0.55);
  // About 15% of elders living alone use very little water: a few flushes, a wash, a pot.
  const lowWater = aloneElder && rnd.chance(0.15);
  const people = persona === 'couple' ? 2 : 1;
  const litresPerDay = round1(
    lowWater ? rnd.between(24.5, 28.5) : persona === 'couple' ? rnd.between(110, 200) : persona === 'alone' ? rnd.between(70, 160) : rnd.between(60, 125),
  );
  const bandShare = aloneElder ? 0.5 : persona === 'couple' ? (elder ? 0.35 : 0.1) : 0.12;
  const chances: Chances = elder
    ? { ...ELDER, ...(persona === 'elder-alone-80' ? { nap: 0.6, nightToilet: 0.5, morningOut: 0.65 } : {}), ...(persona === 'couple' ? { stayIn: 1 / 15, dayTrip: 1 / 15, nap: 0.4 } : {}) }
    : YOUNGER;
  const lowResting = rnd.chance(0.2);
  return {
    persona,
    tags: [...TAGS[persona]],
    people,
    elder,
    worker,
    lowWater,
    litresPerDay,
    dripLph: !lowWater && rnd.chance(0.08) ? Math.round(rnd.between(0.05, 0.28) * 100) / 100 : 0,
    hasDoor: rnd.chance(0.85),
    hasBand: rnd.chance(bandShare),
    wake: elder ? (persona === 'elder-alone-80' ? [6, 7.5] : [6, 7.8]) : [6.5, 8],
    sleep: elder ? (persona === 'elder-alone-80' ? [21, 22.5] : [21.2, 22.8]) : [22, 23.5],
    chances,
    heart: {
      awakeBpm: lowResting ? rnd.between(58, 66) : rnd.between(64, 80),
      asleepBpm: rnd.between(55, 63),
      lowResting,
      weakWhenDown: rnd.chance(0.5),
      drainPctPerDay: rnd.between(10, 18),
      chargeBelowPct: rnd.between(25, 45),
      startPct: rnd.between(40, 100),
      chargeHour: rnd.between(18.5, 20.5),
    },
  };
}

export const WATER_HEARTBEAT_MS = 15 * MINUTE;
export const DOOR_HEARTBEAT_MS = HOUR;
export const BAND_HEARTBEAT_MS = 5 * MINUTE;

export const deviceIds = (householdId: string) => ({ water: `${householdId}-water`, door: `${householdId}-door`, band: `${householdId}-band` });

export function devicesOf(householdId: string, traits: Traits): CorpusDevice[] {
  const ids = deviceIds(householdId);
  const devices: CorpusDevice[] = [{ deviceId: ids.water, profile: 'generic/mqtt-water-flow', heartbeatMs: WATER_HEARTBEAT_MS }];
  if (traits.hasDoor) devices.push({ deviceId: ids.door, profile: 'aqara/mccgq11lm', heartbeatMs: DOOR_HEARTBEAT_MS });
  if (traits.hasBand) devices.push({ deviceId: ids.band, profile: 'generic/mqtt-wristband', heartbeatMs: BAND_HEARTBEAT_MS, homeRangeOnly: true });
  return devices;
}
