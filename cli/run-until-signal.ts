import type { Logger } from '../lib/log.js';

/** Keeps a service running until SIGINT or SIGTERM, then closes it and resolves with an exit code. */
export function runUntilSignal(name: string, close: () => Promise<void>, logger: Logger): Promise<number> {
  return new Promise((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) return;
      closing = true;
      logger.info({ signal }, `${name} stopping`);
      close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, `${name} did not stop cleanly`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
