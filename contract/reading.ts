import type { DeviceEvent, Metric } from './metrics.js';

/** One decoded frame of one device: what the rules consume. */
export interface Reading {
  deviceId: string;
  /** Receive time on the gateway's clock, ms since the epoch. */
  at: number;
  metrics: Partial<Record<Metric, number>>;
  /** Events the frame reports (an SOS press); absent when none. */
  events?: readonly DeviceEvent[];
  /** What the device sent, when it could not be read (an unreadable alarm): for the people who go. */
  eventNote?: string;
  /**
   * Points of a polled device that could not be read in this poll (an exception reply to one
   * block), with why: the rest of the reading is good. Absent when every point was read.
   */
  unreadable?: Partial<Record<Metric, string>>;
}
