import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { InputError, parseOrThrow } from './validation.js';

/** Whether other users of the machine may read the file (a config holding a token should not be). */
export function isWorldReadable(file: string): boolean {
  try {
    return (statSync(file).mode & 0o004) !== 0;
  } catch {
    return false;
  }
}

/**
 * Reads a YAML (or JSON) config file and validates it; every error names the file, and a schema
 * error names each field (`gateway.yaml: mqtt.port: ...`). `prepare` may amend the parsed
 * document first (e.g. fill a field from the environment).
 */
export function loadConfigFile<S extends z.ZodType>(
  schema: S,
  file: string,
  what: string,
  prepare: (raw: unknown) => unknown = (raw) => raw,
): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`${file}: cannot read the ${what}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new InputError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return parseOrThrow(schema, prepare(raw), file);
}
