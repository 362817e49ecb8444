import type { CounterIdleState } from './counter-idle.js';
import type { DailyBaselineState } from './daily-baseline.js';
import type { DeviceSilentState } from './device-silent.js';
import type { EventState } from './device-event.js';
import type { GeofenceState } from './geofence.js';
import type { NightNoiseState } from './night-noise.js';
import type { NoChangeState } from './no-change.js';
import type { PointsUnreadableState } from './points-unreadable.js';
import type { RangeState } from './range.js';

/**
 * After the wall clock was stepped by `d` ms, every stored instant moves with it, so durations
 * measured from them stay real ("24 h without water" still means 24 real hours). Episode numbers
 * do not move: they are alert ids, and a clear must name the episode its raise did.
 */
const at = (t: number | null, d: number): number | null => (t === null ? null : t + d);

export const shiftCounterIdle = (s: CounterIdleState, d: number): CounterIdleState => ({
  ...s,
  lastSeenAt: s.lastSeenAt + d,
  seenSince: s.seenSince + d,
  recent: s.recent.map(([t, inc]) => [t + d, inc] as [number, number]),
});

export const shiftNoChange = (s: NoChangeState, d: number): NoChangeState => ({
  ...s,
  lastChangeAt: s.lastChangeAt + d,
  lastSeenAt: s.lastSeenAt + d,
  seenSince: s.seenSince + d,
});

export const shiftRange = (s: RangeState, d: number): RangeState => ({ ...s, lastAt: s.lastAt + d, outsideSince: at(s.outsideSince, d) });

export const shiftEvent = (s: EventState, d: number): EventState => ({ lastEpisode: s.lastEpisode + d, ...(s.recent ? { recent: s.recent.map((t) => t + d) } : {}) });

export const shiftDeviceSilent = (s: DeviceSilentState, d: number): DeviceSilentState => ({ ...s, lastSeenAt: s.lastSeenAt + d });

export const shiftPointsUnreadable = (s: PointsUnreadableState, d: number): PointsUnreadableState => ({
  ...s,
  failingSince: Object.fromEntries(Object.entries(s.failingSince).map(([m, t]) => [m, t + d])),
});

export const shiftGeofence = (s: GeofenceState, d: number): GeofenceState => ({
  ...s,
  lastFixAt: at(s.lastFixAt, d),
  outsideSince: at(s.outsideSince, d),
});

/** The block being summed keeps its samples; the next block aligns to the (new) local clock again. */
export const shiftNightNoise = (s: NightNoiseState, d: number): NightNoiseState => ({ ...s, start: s.start + d, end: s.end + d });

/** A day during which the clock was stepped is not judged (its boundaries moved under it). */
export const shiftDailyBaseline = (s: DailyBaselineState, d: number): DailyBaselineState => ({
  ...s,
  lastSeenAt: s.lastSeenAt + d,
  dayStart: s.dayStart + d,
  dayComplete: false,
});
