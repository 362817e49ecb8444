import type { Reading } from '../../contract/reading.js';

/**
 * A corpus of household life: households with their devices, a day-by-day stream of the
 * readings those devices' drivers would hand the rule engine, and what really happened (true
 * events, and the confounders that make rules raise falsely). Seeded and deterministic: the same
 * options give the same corpus, byte for byte. Used by `npm run bench` (alert quality) and tests.
 */
export interface CorpusOptions {
  seed: number;
  households: number;
  days: number;
  /** The first day's local midnight (Asia/Shanghai, UTC+8), ms since the epoch. */
  start: number;
}

/** Who lives there: decides tags, water use and how often things happen. */
export type Persona = 'elder-alone-80' | 'elder-alone' | 'alone' | 'couple';

export interface CorpusDevice {
  deviceId: string;
  /** The firmware profile a real one would use (the gateway decodes it so). */
  profile: 'generic/mqtt-water-flow' | 'aqara/mccgq11lm' | 'generic/mqtt-wristband';
  /** The profile's heartbeat. */
  heartbeatMs: number;
  /** A wristband heard only through the home's bridge. */
  homeRangeOnly?: boolean;
}

export interface CorpusHousehold {
  id: string;
  persona: Persona;
  /** The rules' tag ids: living-alone, aged-80-plus. */
  tags: string[];
  /** Absences the household reported (as gateway.yaml `away` would hold them), [from, until). */
  away: { from: number; until: number }[];
  /** Water litres per day, on average (low users 23-30). */
  litresPerDay: number;
  devices: CorpusDevice[];
}

/**
 * What really happened that a rule must find. `from` is when the condition became true:
 * incapacitation = the resident's last act (no water, no door from then); sos / fall = the press
 * or the fall; tachycardia = the first reading over 120 bpm of a run that lasts; meter-fault = the
 * water meter's last report before it went dead. `until` = when it was over (found, recovered,
 * repaired): alerts in between in that household are about it.
 */
export interface TrueEvent {
  householdId: string;
  kind: 'incapacitation' | 'sos' | 'fall' | 'tachycardia' | 'meter-fault';
  from: number;
  until: number;
  /** The device it shows on (the band for sos, fall, tachycardia; the meter for meter-fault). */
  deviceId?: string;
}

/** Ordinary life that looks like trouble to a naive rule; for the breakdown of false alarms by cause. */
export type ConfounderKind =
  | 'low-water-user'
  | 'stay-in-day'
  | 'day-trip'
  | 'away-reported'
  | 'away-unreported'
  | 'away-overran'
  | 'early-bed'
  | 'nap'
  | 'visitors'
  | 'holiday'
  | 'exertion'
  | 'low-resting-hr'
  | 'band-out';

export interface Confounder {
  householdId: string;
  kind: ConfounderKind;
  from: number;
  until: number;
}

export interface Corpus {
  options: CorpusOptions;
  households: CorpusHousehold[];
  truth: TrueEvent[];
  confounders: Confounder[];
  /**
   * The readings of one day (index 0 .. days-1) of every household, in time order (ties by device
   * id), generated on demand so a 200 x 30 corpus never sits in memory whole.
   */
  readingsOfDay(day: number): Reading[];
}
