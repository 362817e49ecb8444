import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * Structured logs go to stderr, so that stdout stays free for what a command prints
 * (`gridwatch demo --json` prints tickets and nothing else there).
 * LOG_LEVEL overrides the level a command chooses.
 */
export function createLogger(name: string, level: LevelWithSilent = 'info'): Logger {
  const envLevel = process.env.LOG_LEVEL as LevelWithSilent | undefined;
  return pino({ name, level: envLevel ?? level }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for tests that assert on behaviour rather than logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
