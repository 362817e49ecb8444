import { z } from 'zod';
import { durationSchema } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { inDailyWindow, localParts, timeOfDaySchema } from '../../../lib/time/local-time.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import type { Edge, Evaluate, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { EMPTY_ENERGY, addLevel, energySumSchema, laeqOf } from '../measures/laeq.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dbaSchema = z.number().min(0).max(140);

/** Approved night work: the site may be loud in [from, to) without raising. */
const exemptionSchema = z
  .object({
    /** The site (a household id in the gateway's vocabulary). */
    householdId: idSchema,
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    /** The approval, e.g. its permit number. */
    note: z.string().min(1).max(200),
  })
  .strict()
  .refine((e) => Date.parse(e.to) > Date.parse(e.from), { message: 'must be after from', path: ['to'] })
  .transform((e) => ({ ...e, from: Date.parse(e.from), to: Date.parse(e.to) }));

/**
 * "Night noise" of a construction site (GB 12523-2011): the LAeq of each block of `interval`,
 * aligned to local wall time, above the night limit (block starting in the night window) or the
 * day limit; and, at night, any single sample above the night limit + `lmaxMargin` at once.
 */
export const nightNoiseRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('night-noise'),
    /** What the site manager reads first, e.g. "night construction noise". */
    title: z.string().min(1).max(80),
    metric: z.literal('noise_dba').default('noise_dba'),
    /** The LAeq block, e.g. "5m" (GB 12523 measures 20 min); blocks start at local midnight. */
    interval: durationSchema.refine(
      (ms) => ms % MINUTE === 0 && DAY % ms === 0,
      'must be whole minutes that divide 24h, e.g. "5m", "20m" or "1h"',
    ),
    night: z
      .object({
        /** @default "22:00" */
        from: timeOfDaySchema.prefault('22:00'),
        /** @default "06:00" */
        to: timeOfDaySchema.prefault('06:00'),
        /** @default 55 */
        limitDba: dbaSchema.default(55),
      })
      .strict()
      .refine((n) => n.from !== n.to, { message: 'the night window must not be empty', path: ['to'] })
      .prefault({}),
    /** @default 70 */
    dayLimitDba: dbaSchema.default(70),
    /** A night sample above night.limitDba + this raises at once. @default 15 */
    lmaxMargin: z.number().min(0).max(60).default(15),
    /** An open alert clears after a block with LAeq <= limit - this. @default 3 */
    hysteresisDb: z.number().min(0).max(30).default(3),
    /** A block with fewer samples is not judged (a sensor that stalled). @default 10 */
    minSamples: z.number().int().min(1).default(10),
    /** @default [] */
    exemptions: z.array(exemptionSchema).default([]),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict();
export type NightNoiseRule = z.output<typeof nightNoiseRuleSchema>;

/** One block being collected and the open alert; the samples themselves are not kept. */
export const nightNoiseStateSchema = z.object({
  /** The block [start, end); a reading stamped before start is late. */
  start: z.number(),
  end: z.number(),
  sum: energySumSchema,
  /** The open alert's episode, or null when none is open. */
  openEpisode: z.number().nullable(),
});
export type NightNoiseState = z.infer<typeof nightNoiseStateSchema>;

/** The wall-clock-aligned block holding `at`, starting no earlier than `notBefore`. */
function blockAt(at: number, interval: number, timeZone: string, notBefore = Number.NEGATIVE_INFINITY): { start: number; end: number } {
  const msOfDay = localParts(at, timeZone).minuteOfDay * MINUTE + (((at % MINUTE) + MINUTE) % MINUTE);
  const start = at - (msOfDay % interval);
  // Only a daylight-saving shift can move the grid backwards; the block judged before stays judged.
  return { start: Math.max(start, notBefore), end: start + interval };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const iso = (ms: number): string => new Date(ms).toISOString();

function hhmm(ms: number, timeZone: string): string {
  const m = localParts(ms, timeZone).minuteOfDay;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

const spoken = (ms: number): string => (ms % HOUR === 0 ? `${ms / HOUR} h` : `${ms / MINUTE} min`);

function isNight(rule: NightNoiseRule, at: number, timeZone: string): boolean {
  return inDailyWindow(localParts(at, timeZone).minuteOfDay, rule.night.from, rule.night.to);
}

/** Whether approved work of the site overlaps [from, to). */
function exempt(rule: NightNoiseRule, householdId: string, from: number, to: number): boolean {
  return rule.exemptions.some((e) => e.householdId === householdId && e.from < to && e.to > from);
}

/** Judges a finished block: raise, clear, or nothing; returns the open episode after it. */
function judge(rule: NightNoiseRule, block: NightNoiseState, device: DeviceContext, timeZone: string): { openEpisode: number | null; edge?: Edge } {
  const { openEpisode, sum } = block;
  if (sum.samples < rule.minSamples) return { openEpisode };
  // Judged at the 0.1 dB a sound level meter shows, so a summary never reads "55.0 > 55".
  const level = round1(laeqOf(sum));
  const night = isNight(rule, block.start, timeZone);
  const limit = night ? rule.night.limitDba : rule.dayLimitDba;
  const span = `${hhmm(block.start, timeZone)}-${hhmm(block.end, timeZone)}`;
  const measured = `LAeq ${spoken(rule.interval)} ${level.toFixed(1)} dB(A)`;
  const details = {
    trigger: 'laeq',
    laeq: level,
    limit,
    period: night ? 'night' : 'day',
    intervalStart: iso(block.start),
    intervalEnd: iso(block.end),
    samples: sum.samples,
    lmax: round1(sum.lmax!),
  };
  if (openEpisode !== null) {
    const clearAt = round1(limit - rule.hysteresisDb);
    if (level > clearAt) return { openEpisode };
    return {
      openEpisode: null,
      edge: {
        kind: 'clear',
        episode: openEpisode,
        summary: `${rule.title} ended: ${measured} <= ${clearAt} dB(A) at ${span}, site ${device.householdId}`,
        details: { ...details, clearAt },
      },
    };
  }
  if (level <= limit || exempt(rule, device.householdId, block.start, block.end)) return { openEpisode: null };
  return {
    openEpisode: block.start,
    edge: {
      kind: 'raise',
      episode: block.start,
      summary: `${rule.title}: ${measured} > ${limit} dB(A) at ${span}, site ${device.householdId}`,
      details,
    },
  };
}

export const evaluateNightNoise: Evaluate<NightNoiseRule, NightNoiseState> = (
  rule,
  prev,
  input,
  { device, gateway },
): Step<NightNoiseState> | undefined => {
  const { timeZone } = gateway;
  const pending = (s: NightNoiseState): number | undefined => (s.sum.samples > 0 ? s.end : undefined);

  if (input.type === 'tick') {
    // The sensor may fall silent: its last block is judged when it ends, not at the next reading.
    if (!prev || prev.sum.samples === 0) return undefined;
    if (input.at < prev.end) return { state: prev, wakeAt: prev.end };
    const { openEpisode, edge } = judge(rule, prev, device, timeZone);
    return { state: { ...blockAt(prev.end, rule.interval, timeZone, prev.end), sum: EMPTY_ENERGY, openEpisode }, edge };
  }

  const { at } = input.reading;
  const level = input.reading.metrics[rule.metric];
  if (level === undefined) return undefined;
  if (prev && !Number.isFinite(level)) return { state: prev, anomaly: `${rule.metric} is ${level}: ignored`, wakeAt: pending(prev) };
  if (prev && at < prev.start) {
    return {
      state: prev,
      anomaly: `${rule.metric} reading at ${iso(at)} is before the block being measured (from ${iso(prev.start)}): ignored`,
      wakeAt: pending(prev),
    };
  }
  if (!Number.isFinite(level)) return undefined;

  let state: NightNoiseState;
  let edge: Edge | undefined;
  if (!prev) {
    state = { ...blockAt(at, rule.interval, timeZone), sum: EMPTY_ENERGY, openEpisode: null };
  } else if (at < prev.end) {
    state = prev;
  } else {
    // The first reading at or after the end closes the block (a gap of whole blocks is not judged).
    const judged = judge(rule, prev, device, timeZone);
    edge = judged.edge;
    state = { ...blockAt(at, rule.interval, timeZone, prev.end), sum: EMPTY_ENERGY, openEpisode: judged.openEpisode };
  }
  state = { ...state, sum: addLevel(state.sum, level) };

  const lmaxLimit = rule.night.limitDba + rule.lmaxMargin;
  if (level > lmaxLimit && isNight(rule, at, timeZone) && !exempt(rule, device.householdId, at, at + 1)) {
    if (edge?.kind === 'clear') {
      // A quiet block just ended, but the site is that loud right now: the episode goes on
      // (one step carries one edge, and a lost raise is worse than a late clear).
      return { state: { ...state, openEpisode: edge.episode }, wakeAt: state.end };
    }
    if (state.openEpisode === null) {
      edge = {
        kind: 'raise',
        episode: at,
        summary: `${rule.title}: Lmax ${level.toFixed(1)} dB(A) > ${lmaxLimit} dB(A) (night limit ${rule.night.limitDba} + ${rule.lmaxMargin}) at ${hhmm(at, timeZone)}, site ${device.householdId}`,
        details: { trigger: 'lmax', lmax: round1(level), limit: lmaxLimit, period: 'night', at: iso(at) },
      };
      state = { ...state, openEpisode: at };
    }
  }
  return { state, edge, wakeAt: state.end };
};

/** The block being summed keeps its samples; the next block aligns to the (new) local clock again. */
export const shiftNightNoise = (s: NightNoiseState, d: number): NightNoiseState => ({ ...s, start: s.start + d, end: s.end + d });

export const nightNoiseKind = defineKind({ ruleSchema: nightNoiseRuleSchema, stateSchema: nightNoiseStateSchema, evaluate: evaluateNightNoise, shift: shiftNightNoise });
