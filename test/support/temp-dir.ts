import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];
process.once('exit', () => {
  for (const path of created) rmSync(path, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, and a function that removes it. */
export function makeTempDir(prefix = 'gridwatch-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A fresh directory that is removed when the test process exits. */
export function tempDir(prefix = 'gridwatch-test-'): string {
  const { path } = makeTempDir(prefix);
  created.push(path);
  return path;
}
