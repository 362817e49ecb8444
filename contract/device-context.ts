import { idSchema } from '../lib/ids.js';

/** A device's id in every config and message; not "household:..." (reserved for the household-wide rules' state). */
export const deviceIdSchema = idSchema.refine((id) => !id.startsWith('household:'), 'ids starting with "household:" are reserved');

/**
 * What every stage knows of a device: which household it belongs to and how often it reports.
 * Drivers hand it with each reading; the rules judge by it.
 */
export interface DeviceContext {
  deviceId: string;
  householdId: string;
  /** The profile's reporting interval: a gap over twice this means the device was silent. */
  heartbeatMs: number;
  /** Worn, and heard only at home: its wearer going out silences it (the profile's homeRangeOnly). @default false */
  homeRangeOnly?: boolean;
}
