import type { Clock, TimerHandle } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';

export interface CloudReachabilityOptions {
  clock: Clock;
  logger: Logger;
  /** After failing this long without a success the cloud counts as unreachable. @default 180000 */
  unreachableAfterMs?: number;
  /** Told when the cloud becomes unreachable (since: clock time of the first failure) and reachable again. */
  onChange?: (reachable: boolean, since: number) => void;
}

/**
 * Whether the cloud answers, as both uplink lanes see it: the first failure in a row starts a
 * countdown; if no request succeeds before it ends, the cloud is unreachable, said loudly here,
 * on the gateway, because nobody in the cloud can hear it. A success ends it.
 */
export class CloudReachability {
  readonly #o: CloudReachabilityOptions & { unreachableAfterMs: number };
  #failingSince: number | null = null;
  #unreachableSince: number | null = null;
  #timer: TimerHandle | null = null;
  #detail: () => Record<string, unknown> = () => ({});

  constructor(options: CloudReachabilityOptions) {
    this.#o = { unreachableAfterMs: 180_000, ...options };
  }

  /** Adds what the log line of an outage should show (e.g. the queue lengths). */
  describeWith(detail: () => Record<string, unknown>): void {
    this.#detail = detail;
  }

  /** Since when (clock time) the cloud has been unreachable, or null. */
  get unreachableSince(): number | null {
    return this.#unreachableSince;
  }

  failed(error: string): void {
    if (this.#failingSince !== null) return;
    const since = (this.#failingSince = this.#o.clock.now());
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = null;
      if (this.#failingSince !== since) return;
      this.#unreachableSince = since;
      this.#o.logger.error(
        { since: new Date(since).toISOString(), firstError: error, ...this.#detail() },
        `the cloud has been unreachable for ${Math.round(this.#o.unreachableAfterMs / 60_000)} min: alerts and readings are kept here and go when it answers; check the network and the cloud`,
      );
      this.#o.onChange?.(false, since);
    }, this.#o.unreachableAfterMs);
  }

  succeeded(): void {
    if (this.#failingSince === null) return;
    const since = this.#failingSince;
    this.#failingSince = null;
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#unreachableSince === null) return;
    this.#unreachableSince = null;
    this.#o.logger.warn({ since: new Date(since).toISOString() }, 'the cloud answers again');
    this.#o.onChange?.(true, since);
  }

  stop(): void {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
