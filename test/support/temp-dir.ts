import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

/** Removes every directory tempDir made so far (vitest runs it after each test file). */
export function removeTempDirs(): void {
  for (const path of created.splice(0)) rmSync(path, { recursive: true, force: true });
}
process.once('exit', removeTempDirs);

/** A fresh directory under the OS temp dir, and a function that removes it. */
export function makeTempDir(prefix = 'gridwatch-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A fresh directory, removed after its test file (test/support/setup.ts) or when the process exits. */
export function tempDir(prefix = 'gridwatch-test-'): string {
  const { path } = makeTempDir(prefix);
  created.push(path);
  return path;
}
