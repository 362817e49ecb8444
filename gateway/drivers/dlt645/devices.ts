import type { Logger } from '../../../lib/log.js';
import type { ProfileRegistry } from '../../../firmware-profiles/index.js';
import type { Dlt645LineConfig } from './config.js';
import { Dlt645Line } from './line.js';
import { polledDeviceFromConfig } from '../polling/polled-devices.js';
import type { Dlt645Device } from './poller.js';
import { serialLineFor } from '../../../lib/serial-line.js';

/** The DL/T 645 lines of a config (serial ports or serial device servers) and the meters on them; errors name the place in the config. */
export function dlt645FromConfig(lines: readonly Dlt645LineConfig[], profiles: ProfileRegistry, logger: Logger): Array<{ line: Dlt645Line; devices: Dlt645Device[] }> {
  return lines.map((config, l) => {
    const where = `dlt645.lines[${l}]`;
    const devices = config.devices.map((d, i): Dlt645Device => ({
      ...polledDeviceFromConfig(d, `${where}.devices[${i}]`, 'dlt645', profiles, config.responseTimeout),
      address: d.address,
    }));
    return { line: new Dlt645Line(config.id, serialLineFor(config, devices.map((d) => d.profile.serial), where), logger), devices };
  });
}
