/**
 * Suites that need an outside service (PostgreSQL, Mosquitto, ...) find it through an
 * environment variable. Locally a missing service skips the suite; on CI (CI=true) it fails it
 * instead, because a suite that silently skips there proves nothing.
 *
 * Returns the value, or undefined when the suite should be skipped; throws on CI.
 */
export function requireService(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name];
  if (value !== undefined && value !== '') return value;
  if (env.CI === 'true') {
    throw new Error(`${name} is not set: this suite needs it, and on CI (CI=true) it may not be skipped`);
  }
  return undefined;
}
