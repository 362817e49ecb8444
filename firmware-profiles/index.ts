import { parseOrThrow } from '../lib/validation.js';
import { aqaraMccgq11lm } from './aqara/mccgq11lm.js';
import { dlt645SinglePhase } from './generic/dlt645-single-phase.js';
import { mqttWaterFlow } from './generic/mqtt-water-flow.js';
import { mqttWristband } from './generic/mqtt-wristband.js';
import { rs485Noise } from './generic/rs485-noise.js';
import { eastronSdm120 } from './eastron/sdm120.js';
import { profileSchema, type Profile, type ProfileInput } from './schema.js';
import { tasmotaPulseCounter } from './tasmota/pulse-counter.js';
import { tuyaTs0215aSos } from './tuya/ts0215a-sos.js';
import { watch3gBand } from './generic/watch-3g-band.js';

/** Every profile shipped with gridwatch, as written in its file (validated by `loadProfiles`). */
export const BUILT_IN_PROFILES: readonly ProfileInput[] = [
  mqttWaterFlow,
  tasmotaPulseCounter,
  aqaraMccgq11lm,
  tuyaTs0215aSos,
  mqttWristband,
  eastronSdm120,
  rs485Noise,
  dlt645SinglePhase,
  watch3gBand,
];

export type ProfileRegistry = ReadonlyMap<string, Profile>;

/** Validates profiles and indexes them by id; an invalid one throws an error naming it and the field. */
export function loadProfiles(inputs: readonly ProfileInput[] = BUILT_IN_PROFILES): ProfileRegistry {
  const registry = new Map<string, Profile>();
  inputs.forEach((input, i) => {
    const where = `profile ${typeof input?.id === 'string' ? input.id : `#${i}`}`;
    const profile = parseOrThrow(profileSchema, input, where);
    if (registry.has(profile.id)) throw new Error(`${where}: the id ${profile.id} is used twice`);
    registry.set(profile.id, profile);
  });
  return registry;
}
