import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../lib/config-file.js';
import { InputError } from '../lib/validation.js';
import { fixtureProblems } from './check-fixtures.js';
import { BUILT_IN_PROFILES } from './index.js';
import { profileSchema, type Profile } from './schema.js';

const PROFILE_FILE = /\.(json|ya?ml)$/i;

/**
 * The built-in profiles plus those in `dirs` (one profile per .json/.yaml file, as an installer
 * writes one for a device model gridwatch does not ship). Each file is validated like a built-in
 * profile; errors name the file and the field. A file may not reuse a built-in id.
 */
export function loadProfilesWithFiles(dirs: readonly string[]): ReadonlyMap<string, Profile> {
  const registry = new Map<string, Profile>();
  const origin = new Map<string, string>();
  BUILT_IN_PROFILES.forEach((input, i) => {
    const profile = profileSchema.parse(input);
    registry.set(profile.id, profile);
    origin.set(profile.id, `built-in profile #${i}`);
  });
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => PROFILE_FILE.test(f)).sort();
    } catch (err) {
      throw new InputError(`${dir}: cannot read the profile directory: ${(err as Error).message}`);
    }
    for (const name of files) {
      const file = join(dir, name);
      const profile = loadConfigFile(profileSchema, file, 'device profile');
      const problems = fixtureProblems(profile);
      if (problems.length > 0) throw new InputError(`${file} does not decode its own fixtures:\n${problems.map((p) => `${file}: ${p}`).join('\n')}`);
      const first = origin.get(profile.id);
      if (first) throw new InputError(`${file}: id: ${profile.id} is already the ${first}`);
      registry.set(profile.id, profile);
      origin.set(profile.id, file);
    }
  }
  return registry;
}
