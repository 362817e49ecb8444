import type { Clock, TimerHandle } from '../../../lib/time/clock.js';
import type { Logger } from '../../../lib/log.js';
import type { Metric } from '../../../contract/metrics.js';
import type { ReadingSink } from '../../../contract/reading-sink.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { DeviceReadError, type ReadFault } from './read-fault.js';

/** `partial`: polls that gave a reading with some points unreadable (see DeviceHealth.unreadable). */
export type PollCounters = Record<'polls' | 'readings' | 'partial' | 'malformed' | ReadFault, number>;

export interface DeviceHealth {
  deviceId: string;
  online: boolean;
  lastSeenAt: number | null;
  lastFault: string | null;
  /** Points the last poll could not read, with why (the device answers, these registers do not). */
  unreadable: Partial<Record<Metric, string>>;
  counters: PollCounters;
}

/** What one poll of a device gives: its values, or why there are none. */
export type PollOutcome =
  | { ok: true; metrics: Partial<Record<Metric, number>>; unreadable?: Partial<Record<Metric, string>> }
  | { ok: false; fault: ReadFault | 'malformed'; reason: string };

/**
 * Polls one device on an interval, on the clock's grid (a first poll at once), and hands each
 * reading to the rules. Faults are counted by kind and logged (the first, then every 60th), never
 * thrown: a dead device makes its own poll fail, no more. The line-specific part is `read`.
 */
export abstract class DevicePoller {
  readonly counters: PollCounters = { polls: 0, readings: 0, partial: 0, malformed: 0, timeout: 0, exception: 0, crc: 0, disconnected: 0, other: 0 };
  #timer: TimerHandle | null = null;
  #nextAt = 0;
  #lastSeenAt: number | null = null;
  #lastFault: string | null = null;
  #unreadable: Partial<Record<Metric, string>> = {};
  #failuresInARow = 0;
  #polling: Promise<void> | null = null;

  constructor(
    readonly context: DeviceContext,
    private readonly pollIntervalMs: number,
    private readonly lineId: string,
    private readonly sink: ReadingSink,
    protected readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** One poll's reads on the line; counts each failed attempt with `countFault`. */
  protected abstract read(): Promise<PollOutcome>;

  protected countFault(err: unknown): DeviceReadError {
    const e = err instanceof DeviceReadError ? err : new DeviceReadError('other', String(err));
    this.counters[e.fault]++;
    return e;
  }

  start(): void {
    this.#nextAt = this.clock.now();
    this.#armAt(this.#nextAt);
  }

  async stop(): Promise<void> {
    if (this.#timer) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#polling;
  }

  health(): DeviceHealth {
    return {
      deviceId: this.context.deviceId,
      online: this.#failuresInARow < 3 && this.#lastSeenAt !== null,
      lastSeenAt: this.#lastSeenAt,
      lastFault: this.#lastFault,
      unreadable: { ...this.#unreadable },
      counters: { ...this.counters },
    };
  }

  /** One poll now: resolves when its reading went to the rules, or its fault was counted. */
  async pollOnce(): Promise<void> {
    this.counters.polls++;
    const outcome = await this.read();
    if (!outcome.ok) {
      if (outcome.fault === 'malformed') this.counters.malformed++;
      this.#fail(outcome.fault, outcome.reason);
      return;
    }
    this.#failuresInARow = 0;
    this.#lastSeenAt = this.clock.now();
    this.counters.readings++;
    this.#noteUnreadable(outcome.unreadable ?? {});
    const reading = { deviceId: this.context.deviceId, at: this.#lastSeenAt, metrics: outcome.metrics };
    this.sink.process(outcome.unreadable ? { ...reading, unreadable: outcome.unreadable } : reading, this.context);
  }

  /** Logs a point that stops (or starts again) being readable once, not every poll. */
  #noteUnreadable(now: Partial<Record<Metric, string>>): void {
    if (Object.keys(now).length > 0) this.counters.partial++;
    const before = this.#unreadable;
    const started = Object.keys(now).filter((m) => !(m in before));
    const recovered = Object.keys(before).filter((m) => !(m in now));
    this.#unreadable = now;
    if (started.length > 0) {
      this.logger.warn({ device: this.context.deviceId, line: this.lineId, points: started, reasons: now }, 'points unreadable; the device answers for the others, which are kept');
    }
    if (recovered.length > 0) this.logger.info({ device: this.context.deviceId, line: this.lineId, points: recovered }, 'points readable again');
  }

  #fail(kind: string, reason: string): void {
    this.#failuresInARow++;
    this.#lastFault = `${kind}: ${reason}`;
    // The first failure and every 60th after it: a dead meter polled every second must not flood the log.
    if (this.#failuresInARow === 1 || this.#failuresInARow % 60 === 0) {
      this.logger.warn({ device: this.context.deviceId, line: this.lineId, failuresInARow: this.#failuresInARow, kind, reason }, 'poll failed');
    }
  }

  /** Polls fall on a fixed grid; a poll still running when the next is due is not doubled. */
  #armAt(at: number): void {
    this.#timer = this.clock.setTimeout(async () => {
      const now = this.clock.now();
      do this.#nextAt += this.pollIntervalMs;
      while (this.#nextAt <= now);
      this.#armAt(this.#nextAt);
      if (this.#polling) return;
      this.#polling = this.pollOnce()
        .catch((err: unknown) => this.logger.error({ err, device: this.context.deviceId }, 'poll crashed'))
        .finally(() => {
          this.#polling = null;
        });
      await this.#polling;
    }, at - this.clock.now());
  }
}
