import type { Logger } from '../../../lib/log.js';
import { InputError } from '../../../lib/validation.js';
import type { ProfileRegistry } from '../../../firmware-profiles/index.js';
import type { Dlt645LineConfig } from '../../config.js';
import { Dlt645Line } from './line.js';
import { pollScheduleOf } from '../polling/device-poller.js';
import type { Dlt645Device } from './poller.js';
import { serialLineFor } from '../../../lib/serial-line.js';

/** The DL/T 645 lines of a config (serial ports or serial device servers) and the meters on them; errors name the place in the config. */
export function dlt645FromConfig(lines: readonly Dlt645LineConfig[], profiles: ProfileRegistry, logger: Logger): Array<{ line: Dlt645Line; devices: Dlt645Device[] }> {
  return lines.map((config, l) => {
    const where = `dlt645.lines[${l}]`;
    const devices = config.devices.map((d, i): Dlt645Device => {
      const profile = profiles.get(d.profile);
      if (!profile) throw new InputError(`${where}.devices[${i}].profile: unknown profile "${d.profile}"`);
      if (profile.transport !== 'dlt645') throw new InputError(`${where}.devices[${i}].profile: ${d.profile} is not a DL/T 645 meter`);
      const { pollIntervalMs, heartbeatMs } = pollScheduleOf(profile, d.pollInterval);
      return {
        context: { deviceId: d.id, householdId: d.householdId, heartbeatMs },
        profile,
        address: d.address,
        pollIntervalMs,
        responseTimeoutMs: d.responseTimeout ?? config.responseTimeout ?? profile.responseTimeout,
      };
    });
    return { line: new Dlt645Line(config.id, serialLineFor(config, devices.map((d) => d.profile.serial), where), logger), devices };
  });
}
