import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = fileURLToPath(new URL('./results/latest.json', import.meta.url));

/**
 * Merges figures into bench/results/latest.json, so each benchmark adds its own keys and the
 * file always says on what machine and Node they were measured.
 */
export function recordResults(figures: Record<string, number>): void {
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    previous = {};
  }
  const next = {
    ...previous,
    ...figures,
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
  };
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(next, null, 2)}\n`);
}
