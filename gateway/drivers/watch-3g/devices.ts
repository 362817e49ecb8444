import { InputError } from '../../../lib/validation.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import type { ProfileRegistry } from '../../../firmware-profiles/index.js';
import type { WatchConfig } from './config.js';

/**
 * The 4G bands of a config by the id they send, with their profiles' heartbeat (a band links in
 * with LK every few minutes; silent after two heartbeats). Errors name the place in the config.
 */
export function wristbandsFromConfig(watch: WatchConfig | undefined, profiles: ProfileRegistry): Map<string, DeviceContext> {
  return new Map(
    (watch?.devices ?? []).map((d, i) => {
      const profile = profiles.get(d.profile);
      if (!profile) throw new InputError(`watch.devices[${i}].profile: unknown profile "${d.profile}"`);
      if (profile.transport !== 'watch-3g') throw new InputError(`watch.devices[${i}].profile: ${d.profile} is not a band on the watch protocol`);
      return [d.watchId, { deviceId: d.id, householdId: d.householdId, heartbeatMs: profile.heartbeat }];
    }),
  );
}
