import type { Logger } from '../lib/log.js';

/**
 * What a starting service has opened so far (database, listeners, timers), so that a step that
 * fails later (a port in use, a serial port that is not there) leaves nothing behind: released
 * newest first, each on its own (one that fails to close does not keep the others open).
 */
export class OpenedResources {
  readonly #closers: Array<{ what: string; close: () => unknown }> = [];

  constructor(private readonly logger: Logger) {}

  add(what: string, close: () => unknown): void {
    this.#closers.push({ what, close });
  }

  async releaseAll(): Promise<void> {
    for (const { what, close } of this.#closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        this.logger.warn({ err, what }, 'could not release after a failed start');
      }
    }
  }
}
