import { z } from 'zod';
import { gradeSchema, type Grade } from '../../../contract/alert.js';
import { durationSchema } from '../../../lib/time/duration.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import type { Reading } from '../../../contract/reading.js';
import type { OfflineSpan } from '../../../lib/time/offline-spans.js';

/** What the engine knows of the gateway itself. */
export interface GatewayContext {
  /** Spans this gateway was not running: a reading gap inside one is not the device's silence. */
  offline: readonly OfflineSpan[];
  /** IANA time zone of the households this gateway serves (night windows, days). */
  timeZone: string;
}

/** What the engine knows of the household a device belongs to. */
export interface HouseholdContext {
  id: string;
  tags: readonly string[];
  /**
   * Reported absences (visiting family, in hospital, a trip), oldest first: the no-activity rules
   * raise nothing in any [from, until) and their windows start again at its `until`. SOS and fall
   * ignore them.
   */
  absences: readonly Absence[];
  /** What the household's devices say of its residents; absent = nothing known (rules then judge as written). */
  memory?: HouseholdMemory;
}

/** Kept by the engine for each household, live (it changes under the rules as readings come). */
export interface HouseholdMemory {
  /** When each device of the household last showed a sign of life (water drawn, a door opened or closed). */
  readonly signsOfLife: ReadonlyMap<string, number>;
  /** When a door contact of the household last opened or closed; undefined = not known. */
  readonly lastDoorUseAt: number | undefined;
  /**
   * When a wristband heard only at home (homeRangeOnly) was last heard, and how often it reports;
   * undefined = none heard since the gateway started (kept in memory only: a restart forgets it).
   */
  readonly homeRange: { heardAt: number; heartbeatMs: number } | undefined;
  /** The household's devices that report a sign-of-life metric (water, a door), heard since the gateway started. */
  readonly lifeSensors: ReadonlySet<string>;
}

/** One reported absence, [from, until) in ms. */
export interface Absence {
  from: number;
  until: number;
}

export interface RuleContext {
  device: DeviceContext;
  gateway: GatewayContext;
  /** Absent (tests of a single evaluator) = no tags, no absence. */
  household?: HouseholdContext;
}

/**
 * What a rule looks at: a reading of the device, or the passing of time (a tick at the moment
 * it asked to be woken), for conditions such as "nothing for 24 h" that no reading announces.
 */
export type RuleTrigger = { type: 'reading'; reading: Reading } | { type: 'tick'; at: number };

/** A change of a rule's condition for one device. */
export interface Edge {
  kind: 'raise' | 'clear';
  /** Identifies the episode deterministically (the same readings give the same episode). */
  episode: number;
  summary: string;
  details: Record<string, string | number | boolean | null>;
  /** This raise's grade, when the rule grades by what it saw (corroboration); @default the rule's grade */
  grade?: Grade;
}

export interface Step<S> {
  state: S;
  edge?: Edge;
  /** Something odd in the reading the rule worked around (a counter that went back); logged. */
  anomaly?: string;
  /**
   * When the rule must look at this device again even if no reading comes (the moment a window
   * closes); undefined = only on the next reading. Derived from the state, never stored.
   */
  wakeAt?: number;
}

/**
 * One evaluator per condition kind: a pure function of (rule, state, input, context). It returns
 * undefined when the input says nothing this rule cares about, so the state stays untouched.
 */
export type Evaluate<R, S> = (rule: R, state: S | undefined, input: RuleTrigger, ctx: RuleContext) => Step<S> | undefined;

/**
 * After an alert of a rule clears, a new raise of the same rule for the same device within this
 * time is not sent (the ticket of the first is still open in the cloud; a flapping sensor must
 * not send a grid worker ten SMS). SOS and fall rules have no cooldown.
 */
export const cooldownSchema = durationSchema.optional();

/**
 * A condition kind, whole: its rule's schema, its state's schema, its evaluator, and how its state
 * moves after a step of the wall clock. Each lives in one file under rules/kinds/ and is listed
 * once in registry.ts.
 */
export interface Kind<R, S> {
  /** The rule as data (JSON/YAML the cloud can push), with `kind` as its discriminator. */
  ruleSchema: z.ZodType<R>;
  evaluate: Evaluate<R, S>;
  /** Checks state read back from disk (it may come from an older gridwatch). */
  stateSchema: z.ZodType<S>;
  /**
   * Moves the state's instants after the wall clock was stepped by `deltaMs`: durations measured
   * from them stay real ("24 h without water" still means 24 real hours). Episode numbers do not
   * move: they are alert ids, and a clear must name the episode its raise did.
   */
  shift: (state: S, deltaMs: number) => S;
  /** 'household': one state per household, fed by all its devices (the welfare check). @default device */
  scope?: 'household';
  /**
   * The state records only what happened (last seen, last change, history), not anything derived
   * from the rule's figures, so it stays valid when the rule changes. @default false
   */
  stateOutlivesChanges?: boolean;
  /**
   * Looked at once (a tick) for every configured device that has no state yet, when the engine
   * starts: a device installed dead, or unplugged before its first frame, is watched from its
   * configuration, not from a first reading that never comes. @default false
   */
  watchesFromConfiguration?: boolean;
}

/** Types a kind's parts together. */
export function defineKind<R, S>(kind: Kind<R, S>): Kind<R, S> {
  return kind;
}

/** An optional instant moved by a step of the clock. */
export const shiftInstant = (t: number | null, d: number): number | null => (t === null ? null : t + d);

/**
 * One quiet sensor while another device of the household shows life is no emergency (a door
 * unused on a day of normal water use is a stay-in day): such a raise takes `grade` instead of
 * the rule's, when another device showed life `within` before it; `none` holds it back while
 * so, and looks again when that life is `within` old. Several quiet together stay at the rule's
 * grade, and the welfare check (both quiet) at P1.
 */
export const corroborationSchema = z
  .object({
    grade: z.union([gradeSchema, z.literal('none')]),
    within: durationSchema,
  })
  .strict()
  .optional();
export type Corroboration = z.output<typeof corroborationSchema>;
