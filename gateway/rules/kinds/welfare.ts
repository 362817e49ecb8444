import { z } from 'zod';
import { durationSchema, formatDuration } from '../../../lib/time/duration.js';
import { idSchema } from '../../../lib/ids.js';
import { gradeSchema } from '../../../contract/alert.js';
import { cooldownSchema } from './kind-api.js';
import type { Evaluate, RuleContext, RuleTrigger, Step } from './kind-api.js';
import { defineKind } from './kind-api.js';
import { evaluateQuietSpell, limitOf, quietSpellStateSchema, shiftQuietSpell, spellLearningSchema, type QuietSpellRule, type QuietSpellState } from './quiet-spell.js';
import { silenceBetween } from '../../../lib/time/offline-spans.js';
import { awayFromHome, wentOutSince } from '../measures/signs-of-life.js';
import { localParts } from '../../../lib/time/local-time.js';
import { evaluateNoChange, noChangeStateSchema, shiftNoChange, type NoChangeRule, type NoChangeState } from './no-change.js';

/**
 * The welfare check: no water drawn AND no door activity in the same household for `window` (12 h).
 * Either alone may be a habit; both together is the home of someone who cannot get up, so it
 * comes sooner and graver than either rule on its own. It watches a household, not a device:
 * its signals come from the water meter and the door contact, each guarded as in its own rule
 * (seen the whole window, a silent device is not "quiet"). Water is quiet when nothing was drawn
 * (a flush, a wash: `minDrawL` within 15 minutes), so a low water user's few draws a day are life.
 */
export const welfareRuleSchema = z
  .object({
    id: idSchema,
    kind: z.literal('welfare'),
    title: z.string().min(1).max(80),
    window: durationSchema,
    /** Water drawn within 15 minutes that counts as use (a flush is 6 L; a dripping tap is not use). @default 1 */
    minDrawL: z.number().positive().default(1),
    /**
     * Learn the household's own quiet (from its water spells): once learned, both must be quiet
     * for twice the longest spell it had at that time of day, up to `learn.ceiling`; `window`
     * until then. Absent = `window` always.
     */
    learn: spellLearningSchema.optional(),
    grade: gradeSchema,
    cooldown: cooldownSchema,
  })
  .strict();
export type WelfareRule = z.output<typeof welfareRuleSchema>;

const signalSchema = <S extends z.ZodType>(state: S) => z.object({ state, heartbeatMs: z.number() }).nullable();

export const welfareStateSchema = z.object({
  water: signalSchema(quietSpellStateSchema),
  door: signalSchema(noChangeStateSchema),
  openEpisode: z.number().nullable(),
});
export type WelfareState = z.infer<typeof welfareStateSchema>;

interface Signal<S> {
  state: S;
  heartbeatMs: number;
}

function waterRule(rule: WelfareRule): QuietSpellRule {
  return { id: rule.id, kind: 'quiet-spell', title: rule.title, metric: 'volume_l', window: rule.window, minDraw: rule.minDrawL, learn: rule.learn, grade: rule.grade };
}
function doorRule(rule: WelfareRule): NoChangeRule {
  return { id: rule.id, kind: 'no-change', title: rule.title, metric: 'contact_closed', window: rule.window, grade: rule.grade, soleSignal: false };
}

/** Steps one signal with its own evaluator, on a reading of its metric or on a tick. */
function stepSignal<R, S>(
  evaluate: Evaluate<R, S>,
  rule: R,
  signal: Signal<S> | null,
  input: RuleTrigger,
  ctx: RuleContext,
  applies: boolean,
): { signal: Signal<S> | null; wakeAt?: number; anomaly?: string } {
  if (!signal && (input.type === 'tick' || !applies)) return { signal };
  // Another device of the household reported: for this signal that is only time passing, and
  // its wake-up must survive the step (the engine keeps one wake-up per state).
  if (input.type === 'reading' && !applies) input = { type: 'tick', at: input.reading.at };
  const heartbeatMs = input.type === 'reading' ? ctx.device.heartbeatMs : signal!.heartbeatMs;
  const step = evaluate(rule, signal?.state, input, { ...ctx, device: { ...ctx.device, heartbeatMs } });
  if (!step) return { signal };
  return { signal: { state: step.state, heartbeatMs }, wakeAt: step.wakeAt, anomaly: step.anomaly };
}

export const evaluateWelfare: Evaluate<WelfareRule, WelfareState> = (rule, prev, input, ctx): Step<WelfareState> | undefined => {
  const metrics = input.type === 'reading' ? input.reading.metrics : {};
  const water = stepSignal(evaluateQuietSpell, waterRule(rule), prev?.water ?? null, input, ctx, metrics.volume_l !== undefined);
  const door = stepSignal(evaluateNoChange, doorRule(rule), prev?.door ?? null, input, ctx, metrics.contact_closed !== undefined);
  if (!water.signal && !door.signal) return undefined;

  const waterState = water.signal?.state as QuietSpellState | undefined;
  const doorState = door.signal?.state as NoChangeState | undefined;
  const at = input.type === 'reading' ? input.reading.at : input.at;
  // Water is quiet beyond this household's usual (or the fixed window); the door must have been
  // quiet as long: no one came or went.
  // Her home-range band silent since the last draw, or the door used by day after it: she went out;
  // "inside and no sign of life" is then not known, and a learned limit shorter than the fixed
  // window waits for it. A door used in the evening or at night does not: she may have locked up.
  const wentOut = waterState !== undefined && wentOutSince(ctx.household, waterState.spellStart, at, water.signal!.heartbeatMs, { doorAlone: (t) => byDay(t, ctx.gateway.timeZone) });
  const learnedLimit = waterState ? limitOf(waterRule(rule), waterState).limit : rule.window;
  const limit = wentOut ? Math.max(learnedLimit, rule.window) : learnedLimit;
  const doorQuietSince = doorState ? Math.max(doorState.lastChangeAt, doorState.seenSince) : Number.POSITIVE_INFINITY;
  const doorHeard = door.signal !== null && doorState !== undefined && silenceBetween(ctx.gateway.offline, doorState.lastSeenAt, at) <= 2 * door.signal.heartbeatMs;
  const waterQuiet = waterState !== undefined && waterState.openEpisode !== null;
  const doorQuiet = doorHeard && at - doorQuietSince >= limit;
  const state: WelfareState = { water: water.signal, door: door.signal, openEpisode: prev?.openEpisode ?? null };
  const wakes = [water.wakeAt, door.wakeAt].filter((t): t is number => t !== undefined);
  if (waterQuiet && doorHeard && !doorQuiet) wakes.push(doorQuietSince + limit);
  const wakeAt = wakes.length > 0 ? Math.min(...wakes) : undefined;
  const anomaly = water.anomaly ?? door.anomaly;
  const household = ctx.device.householdId;

  if (state.openEpisode !== null) {
    // Raised at its episode: a door change since then is someone there.
    const doorUsed = doorState !== undefined && doorState.lastChangeAt >= state.openEpisode;
    if (waterQuiet && !doorUsed) return { state, anomaly };
    return {
      state: { ...state, openEpisode: null },
      wakeAt,
      anomaly,
      edge: {
        kind: 'clear',
        episode: state.openEpisode,
        summary: `${rule.title} ended: ${waterQuiet ? 'the door' : 'water'} in use again, household ${household}`,
        details: { water: !waterQuiet, door: doorUsed },
      },
    };
  }
  if (!waterQuiet || !doorQuiet) return { state, wakeAt, anomaly };
  // Her home known empty (not back from a reported absence, her band gone out with her): "inside and
  // no sign of life" is not so; the no-water rule makes its call to check. Looked at again as the
  // household's devices report (the band heard again, the door used).
  if (awayFromHome(ctx.household, at, water.signal!.heartbeatMs)) return { state, wakeAt, anomaly };
  const episode = Math.max(waterState!.openEpisode!, doorQuietSince + limit);
  const hours = (ms: number) => `${(ms / 3_600_000).toFixed(1)} h`;
  const learned = rule.learn !== undefined && waterState!.spellStart - waterState!.watchedSince >= rule.learn.warmup;
  return {
    state: { ...state, openEpisode: episode },
    anomaly,
    edge: {
      kind: 'raise',
      episode,
      summary: `${rule.title}: no water drawn and no door activity for ${hours(at - Math.max(waterState!.spellStart, doorQuietSince))} (${learned ? `beyond this household's usual, ${hours(limit)}` : `the fixed ${formatDuration(rule.window)}`}), household ${household}`,
      details: { limit: hours(limit), learned, since: new Date(Math.max(waterState!.spellStart, doorQuietSince)).toISOString() },
    },
  };
};

/** 06:00-19:00 local: a door used then with no water after it is someone going out, not locking up for the night. */
function byDay(at: number, timeZone: string): boolean {
  const minute = localParts(at, timeZone).minuteOfDay;
  return minute >= 6 * 60 && minute < 19 * 60;
}

export const shiftWelfare = (s: WelfareState, d: number): WelfareState => ({
  ...s,
  water: s.water && { ...s.water, state: shiftQuietSpell(s.water.state, d) },
  door: s.door && { ...s.door, state: shiftNoChange(s.door.state, d) },
});

export const welfareKind = defineKind({ ruleSchema: welfareRuleSchema, stateSchema: welfareStateSchema, evaluate: evaluateWelfare, shift: shiftWelfare, scope: 'household' });
