import { execFileSync } from 'node:child_process';

/**
 * Whether an outside program a suite drives (mosquitto_pub, mbpoll, ...) is installed. Locally a
 * missing one skips the suite; on CI (CI=true) it fails it, like a missing service.
 */
export function requireCommand(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (env.CI === 'true') throw new Error(`${command} is not installed: this suite needs it, and on CI it may not be skipped (.ci/run installs it)`);
    return false;
  }
}
