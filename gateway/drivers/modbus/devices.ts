import type { Logger } from '../../../lib/log.js';
import { InputError } from '../../../lib/validation.js';
import type { ProfileRegistry } from '../../../firmware-profiles/index.js';
import type { ModbusBusConfig } from './config.js';
import { ModbusBus, type BusConnection } from './bus.js';
import { polledDeviceFromConfig } from '../polling/polled-devices.js';
import type { ModbusDevice } from './poller.js';
import { serialLineFor } from '../../../lib/serial-line.js';

/**
 * The Modbus lines of a config and the devices on them, resolved against the profiles. Errors
 * name the place in the config: modbus.buses[0].devices[2].profile.
 */
export function modbusFromConfig(buses: readonly ModbusBusConfig[], profiles: ProfileRegistry, logger: Logger): Array<{ bus: ModbusBus; devices: ModbusDevice[] }> {
  return buses.map((config, b) => {
    const where = `modbus.buses[${b}]`;
    const devices = config.devices.map((d, i): ModbusDevice => {
      const device = polledDeviceFromConfig(d, `${where}.devices[${i}]`, 'modbus', profiles, config.responseTimeout);
      return { ...device, unitId: d.unitId ?? device.profile.unitId };
    });
    const units = new Set<number>();
    devices.forEach((d, i) => {
      if (units.has(d.unitId)) throw new InputError(`${where}.devices[${i}].unitId: unit ${d.unitId} (the profile's default) is already taken on this bus; give each device its own unitId`);
      units.add(d.unitId);
    });
    return { bus: new ModbusBus(config.id, connectionOf(config, devices, where), logger), devices };
  });
}

function connectionOf(config: ModbusBusConfig, devices: ModbusDevice[], where: string): BusConnection {
  if (config.tcp) return { kind: 'tcp', host: config.tcp.host, port: config.tcp.port };
  if (config.rtuOverTcp) return { kind: 'rtu', tcp: config.rtuOverTcp };
  return { kind: 'rtu', ...serialLineFor(config.rtu!, devices.map((d) => d.profile.serial), `${where}.rtu`) };
}
