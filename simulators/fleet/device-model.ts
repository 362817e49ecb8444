import type { DeviceEvent, Metric } from '../../contract/metrics.js';

export type MetricValues = Partial<Record<Metric, number>>;

/** One report a device sends on its own: when, and the events it carries (SOS, fall...). */
export interface ScheduledReport {
  at: number;
  events: DeviceEvent[];
}

/**
 * What a simulated device shows and does, independent of its protocol: the same model drives an
 * MQTT client, a Modbus slave's registers, a DL/T 645 meter or a 3G watch band. Deterministic for
 * a seed, so a demo or a test sees the same household every run. Times are ms since the epoch on
 * the simulation's clock.
 */
export interface DeviceModel {
  /**
   * The values the device would show at `at` (its registers, or the fields of a report made
   * then). Calls come with non-decreasing `at`.
   */
  valuesAt(at: number): MetricValues;
  /**
   * The first report strictly after `after` that the device pushes on its own (its reporting
   * interval, a door that moves, a key pressed), or undefined for devices that are only polled.
   */
  nextReportAfter(after: number): ScheduledReport | undefined;
}
