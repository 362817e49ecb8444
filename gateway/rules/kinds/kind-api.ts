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
   * A reported absence (visiting family, in hospital): the no-activity rules raise nothing in
   * [from, until) and their windows start again at `until`. SOS and fall ignore it.
   */
  away: { from: number; until: number } | null;
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
export type RuleInput = { type: 'reading'; reading: Reading } | { type: 'tick'; at: number };

/** A change of a rule's condition for one device. */
export interface Edge {
  kind: 'raise' | 'clear';
  /** Identifies the episode deterministically (the same readings give the same episode). */
  episode: number;
  summary: string;
  details: Record<string, string | number | boolean | null>;
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
export type Evaluate<R, S> = (rule: R, state: S | undefined, input: RuleInput, ctx: RuleContext) => Step<S> | undefined;
