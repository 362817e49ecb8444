import { parseOrThrow } from '../lib/validation.js';
import { mqttWaterFlow } from './generic/mqtt-water-flow.js';
import { profileSchema, type Profile, type ProfileInput } from './schema.js';
import { tasmotaPulseCounter } from './tasmota/pulse-counter.js';

/** Every profile shipped with gridwatch, as written in its file (validated by `loadProfiles`). */
export const BUILT_IN_PROFILES: readonly ProfileInput[] = [mqttWaterFlow, tasmotaPulseCounter];

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
