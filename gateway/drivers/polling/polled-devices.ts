import { InputError } from '../../../lib/validation.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import type { ProfileRegistry } from '../../../firmware-profiles/index.js';
import type { Profile } from '../../../firmware-profiles/schema.js';

/** What every polled device is, whatever its line: who it is, how to read it, how often, how patiently. */
export interface PolledDevice<P> {
  context: DeviceContext;
  profile: P;
  /** @default the profile's pollInterval */
  pollIntervalMs?: number;
  /** How long a reply may take (gateway.yaml: the device's, else its line's). @default the profile's responseTimeout */
  responseTimeoutMs?: number;
}

/** A polled device as gateway.yaml lists it on a Modbus bus or a DL/T 645 line. */
export interface PolledDeviceConfig {
  id: string;
  householdId: string;
  profile: string;
  pollInterval?: number | undefined;
  responseTimeout?: number | undefined;
}

type PolledTransport = 'modbus' | 'dlt645';
const NAMES: Record<PolledTransport, string> = { modbus: 'a Modbus device', dlt645: 'a DL/T 645 meter' };

/**
 * A polled device's schedule: the profile's poll interval unless its config sets another; it is
 * "silent" after two heartbeats, and its heartbeat is never shorter than its poll interval.
 */
export function pollScheduleOf(profile: { pollInterval: number; heartbeat: number }, configured: number | undefined): { pollIntervalMs: number; heartbeatMs: number } {
  const pollIntervalMs = configured ?? profile.pollInterval;
  return { pollIntervalMs, heartbeatMs: Math.max(profile.heartbeat, pollIntervalMs) };
}

/**
 * One device of a bus or line, resolved against the profiles: its profile must exist and speak
 * the line's protocol; its reply timeout is its own, else the line's, else the profile's. Errors
 * name the place in the config (`modbus.buses[0].devices[2].profile`).
 */
export function polledDeviceFromConfig<T extends PolledTransport>(
  d: PolledDeviceConfig,
  where: string,
  transport: T,
  profiles: ProfileRegistry,
  lineResponseTimeout: number | undefined,
): Required<PolledDevice<Extract<Profile, { transport: T }>>> {
  const profile = profiles.get(d.profile);
  if (!profile) throw new InputError(`${where}.profile: unknown profile "${d.profile}"`);
  if (profile.transport !== transport) throw new InputError(`${where}.profile: ${d.profile} is not ${NAMES[transport]}`);
  const typed = profile as Extract<Profile, { transport: T }>;
  const timing: { pollInterval: number; heartbeat: number; responseTimeout: number } = profile;
  const { pollIntervalMs, heartbeatMs } = pollScheduleOf(timing, d.pollInterval);
  return {
    context: { deviceId: d.id, householdId: d.householdId, heartbeatMs },
    profile: typed,
    pollIntervalMs,
    responseTimeoutMs: d.responseTimeout ?? lineResponseTimeout ?? timing.responseTimeout,
  };
}
