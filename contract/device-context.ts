/**
 * What every stage knows of a device: which household it belongs to and how often it reports.
 * Drivers hand it with each reading; the rules judge by it.
 */
export interface DeviceContext {
  deviceId: string;
  householdId: string;
  /** The profile's reporting interval: a gap over twice this means the device was silent. */
  heartbeatMs: number;
}
