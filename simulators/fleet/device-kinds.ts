import type { SimulatedDeviceConfig, DeviceKind } from './config.js';
import type { DeviceModel } from './device-model.js';
import { DoorModel, type DoorModelOptions } from '../models/door.js';
import { ElectricityModel, type ElectricityModelOptions } from '../models/electricity.js';
import { NoiseModel, type NoiseModelOptions } from '../models/noise.js';
import { SosButtonModel, type SosButtonModelOptions } from '../models/sos-button.js';
import { WaterModel, type WaterModelOptions } from '../models/water.js';
import { WristbandModel, type WristbandModelOptions } from '../models/wristband.js';

/** The profile a kind speaks unless the config names another. */
export const DEFAULT_PROFILES: Record<DeviceKind, string> = {
  water: 'generic/mqtt-water-flow',
  door: 'aqara/mccgq11lm',
  'sos-button': 'tuya/ts0215a-sos',
  wristband: 'generic/mqtt-wristband',
  electricity: 'eastron/sdm120',
  noise: 'generic/rs485-noise',
};

/** Fields of a device entry that are about identity, protocol and faults, not its behaviour. */
const NOT_MODEL = ['id', 'kind', 'profile', 'seed', 'installedAt', 'username', 'password', 'bridge', 'topicName', 'on', 'unitId', 'address', 'watchId', 'faults'] as const;

/**
 * The behaviour of a configured device: its kind's model, from the entry's own options plus the
 * seed and install time the simulation gives it. The config schema is built from each model's
 * own option shapes, so the parsed entry already holds the model's parsed options.
 */
export function buildModel(device: SimulatedDeviceConfig, common: { seed: number; installedAt: number }): DeviceModel {
  const options: Record<string, unknown> = { ...device };
  for (const key of NOT_MODEL) delete options[key];
  const withCommon = { ...options, ...common };
  switch (device.kind) {
    case 'water':
      return new WaterModel(withCommon as unknown as WaterModelOptions);
    case 'door':
      return new DoorModel(withCommon as unknown as DoorModelOptions);
    case 'sos-button':
      return new SosButtonModel(withCommon as unknown as SosButtonModelOptions);
    case 'wristband':
      return new WristbandModel(withCommon as unknown as WristbandModelOptions);
    case 'electricity':
      return new ElectricityModel(withCommon as unknown as ElectricityModelOptions);
    case 'noise':
      return new NoiseModel(withCommon as unknown as NoiseModelOptions);
  }
}
