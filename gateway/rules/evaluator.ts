import type { Reading } from '../../firmware-profiles/reading.js';
import type { OfflineSpan } from '../runs.js';

/** What the engine knows of the device a reading came from. */
export interface DeviceContext {
  deviceId: string;
  householdId: string;
  /** The profile's reporting interval: a gap over twice this means the device was silent. */
  heartbeatMs: number;
}

/** A change of a rule's condition for one device. */
export interface Edge {
  kind: 'raise' | 'clear';
  /** Identifies the episode deterministically (the same readings give the same episode). */
  episode: number;
  summary: string;
  details: Record<string, string | number | boolean | null>;
}

/** What the engine knows of the gateway itself. */
export interface GatewayContext {
  /** Spans this gateway was not running: a reading gap inside one is not the device's silence. */
  offline: readonly OfflineSpan[];
}

export interface Step<S> {
  state: S;
  edge?: Edge;
  /** Something odd in the reading the rule worked around (a counter that went back); logged. */
  anomaly?: string;
}

/**
 * One evaluator per condition kind: a pure function of (rule, state, reading). It returns
 * undefined when the reading says nothing this rule cares about, so the state stays untouched.
 */
export type Evaluate<R, S> = (
  rule: R,
  state: S | undefined,
  reading: Reading,
  device: DeviceContext,
  gateway: GatewayContext,
) => Step<S> | undefined;
