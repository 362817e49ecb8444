import type { Clock, TimerHandle } from '../lib/time/clock.js';
import type { Logger } from '../lib/log.js';

export interface ClockWatchOptions {
  clock: Clock;
  logger: Logger;
  /** The wall clock was stepped by `deltaMs` (no real time passed): shift stored times by it. */
  onStep: (deltaMs: number) => void;
  /** The machine slept (or the process was frozen) during [from, to]: nobody was listening. */
  onSuspend: (from: number, to: number) => void;
  /** Wall against monotonic drift below this is noise, not a step. @default 2000 */
  toleranceMs?: number;
  /** A periodic check, in real time, for when no reading comes. @default 10000 */
  intervalMs?: number;
}

/**
 * Watches the wall clock for steps (NTP, an operator, an RTC that booted in 1970) and the machine
 * for suspends, so that rules keep measuring real durations: a step of the wall clock must not
 * make 24 h pass in 23, and a night of suspend must not pass for a silent device. `check` costs
 * two clock reads, so it runs before every reading; the boot-time clock is read only when the
 * wall and monotonic clocks disagree.
 */
export class ClockWatch {
  readonly #o: Required<ClockWatchOptions>;
  #wall = 0;
  #mono = 0;
  #elapsed = 0;
  #timer: TimerHandle | null = null;

  constructor(options: ClockWatchOptions) {
    this.#o = { toleranceMs: 2_000, intervalMs: 10_000, ...options };
  }

  start(): void {
    this.#mark();
    this.#schedule();
  }

  stop(): void {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Compares the clocks with the last look; reports a step and/or a suspend. */
  check(): void {
    const { clock, toleranceMs } = this.#o;
    const wall = clock.now();
    const mono = clock.monotonic();
    const drift = wall - this.#wall - (mono - this.#mono);
    if (Math.abs(drift) <= toleranceMs) {
      // Nothing happened: real time moved as the monotonic clock did (no need to read it).
      this.#elapsed += mono - this.#mono;
      this.#wall = wall;
      this.#mono = mono;
      return;
    }
    const elapsed = clock.elapsed();
    const asleep = elapsed - this.#elapsed - (mono - this.#mono);
    const step = wall - this.#wall - (elapsed - this.#elapsed);
    if (Math.abs(step) > toleranceMs) {
      this.#o.logger.warn({ stepMs: step, wall: new Date(wall).toISOString() }, 'the wall clock was stepped; rules keep counting real time');
      this.#o.onStep(step);
    }
    if (asleep > toleranceMs) {
      this.#o.logger.warn({ asleepMs: asleep }, 'the gateway was suspended; the time it slept counts as offline');
      this.#o.onSuspend(wall - asleep, wall);
    }
    this.#mark();
  }

  #mark(): void {
    this.#wall = this.#o.clock.now();
    this.#mono = this.#o.clock.monotonic();
    this.#elapsed = this.#o.clock.elapsed();
  }

  #schedule(): void {
    this.#timer = this.#o.clock.setTimeout(() => {
      this.check();
      this.#schedule();
    }, this.#o.intervalMs);
  }
}
