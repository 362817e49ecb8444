import { uptime } from 'node:os';

/**
 * Time is injected everywhere logic depends on it, so that a 24-hour rule is tested in
 * milliseconds and the demo can run three days in seconds. Nothing in gateway/, cloud/ or
 * simulators/ reads Date.now() directly.
 */
export interface TimerHandle {
  readonly clockTimerId: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch, on this clock's time line (wall time: it may be stepped). */
  now(): number;
  /**
   * Real time passed, in ms from an arbitrary origin, never stepped, and counting time the
   * machine was suspended (Linux CLOCK_BOOTTIME). Compared with `now()` it tells a clock step
   * (wall moved, this did not) from a suspend (both moved).
   */
  elapsed(): number;
  /** Monotonic time in ms (arbitrary origin): never stepped, and stands still while suspended. Cheap. */
  monotonic(): number;
  /** Runs `fn` once, `ms` later on this clock's time line. */
  setTimeout(fn: () => unknown, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

let nextTimerId = 1;

/** Node runs a timer longer than this after 1 ms instead (TimeoutOverflowWarning). */
const MAX_NODE_TIMEOUT_MS = 2 ** 31 - 1;

/** Wall-clock time: what production runs on. */
export class SystemClock implements Clock {
  readonly #timers = new Map<number, NodeJS.Timeout>();

  now(): number {
    return Date.now();
  }

  elapsed(): number {
    return uptime() * 1000;
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    const handle = { clockTimerId: nextTimerId++ };
    this.#arm(handle.clockTimerId, performance.now() + Math.max(0, ms), fn);
    return handle;
  }

  /**
   * Long delays (a month) are chained through timers Node can hold, on monotonic time like Node's
   * own timers: a step of the wall clock must not freeze them (the ClockWatch deals with steps).
   */
  #arm(id: number, dueMono: number, fn: () => unknown): void {
    const timer = setTimeout(() => {
      if (performance.now() < dueMono) return this.#arm(id, dueMono, fn);
      this.#timers.delete(id);
      void fn();
    }, Math.min(MAX_NODE_TIMEOUT_MS, Math.max(0, dueMono - performance.now())));
    this.#timers.set(id, timer);
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.#timers.get(handle.clockTimerId);
    if (timer) clearTimeout(timer);
    this.#timers.delete(handle.clockTimerId);
  }
}

export const systemClock: Clock = new SystemClock();

export interface ScaledClockOptions {
  /** Simulated time at `anchorWallMs`. */
  startMs: number;
  /** Simulated milliseconds per wall millisecond (3600 = one hour per second). */
  speed: number;
  /** Wall time that corresponds to `startMs`. Processes that share start, speed and anchor agree on the time. */
  anchorWallMs: number;
}

/**
 * Accelerated wall time. Separate processes (gateway, simulators) given the same options agree
 * on "now" to within a few simulated seconds, which is what an end-to-end run across real
 * processes needs.
 */
export class ScaledClock implements Clock {
  readonly #wall = new SystemClock();

  constructor(readonly options: ScaledClockOptions) {
    if (!(options.speed > 0)) throw new Error(`clock speed must be > 0, got ${options.speed}`);
  }

  now(): number {
    const { startMs, speed, anchorWallMs } = this.options;
    return Math.floor(startMs + (Date.now() - anchorWallMs) * speed);
  }

  /** An accelerated clock is never stepped nor suspended: real time is its own time line. */
  elapsed(): number {
    return this.now();
  }

  monotonic(): number {
    return this.now();
  }

  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    return this.#wall.setTimeout(fn, ms / this.options.speed);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#wall.clearTimeout(handle);
  }
}

interface VirtualTimer {
  id: number;
  /** Due on the elapsed time line: like Node's timers, they ignore steps of the wall clock. */
  dueElapsed: number;
  fn: () => unknown;
}

/**
 * Discrete-event time: it stands still until advanced, then runs every timer that falls due, in
 * order, awaiting each (so a simulator's publish completes before time moves on). Used by tests
 * and by the demo. `step` and `suspend` model what a real gateway's clock does to it.
 */
export class VirtualClock implements Clock {
  #now: number;
  #elapsed = 0;
  #monotonic = 0;
  #timers: VirtualTimer[] = [];

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  elapsed(): number {
    return this.#elapsed;
  }

  monotonic(): number {
    return this.#monotonic;
  }

  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    const timer: VirtualTimer = { id: nextTimerId++, dueElapsed: this.#elapsed + Math.max(0, ms), fn };
    // Keep the list sorted by due time, ties in insertion order.
    let i = this.#timers.length;
    while (i > 0 && this.#timers[i - 1]!.dueElapsed > timer.dueElapsed) i--;
    this.#timers.splice(i, 0, timer);
    return { clockTimerId: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const i = this.#timers.findIndex((t) => t.id === handle.clockTimerId);
    if (i >= 0) this.#timers.splice(i, 1);
  }

  /** Number of timers waiting to run. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward to wall time `targetMs`, running (and awaiting) every timer due on the way. */
  async advanceTo(targetMs: number): Promise<void> {
    if (targetMs < this.#now) throw new Error(`VirtualClock cannot go back: ${targetMs} < ${this.#now}`);
    await this.advance(targetMs - this.#now);
  }

  async advance(ms: number): Promise<void> {
    const endElapsed = this.#elapsed + ms;
    const offset = this.#now - this.#elapsed;
    for (;;) {
      const next = this.#timers[0];
      if (!next || next.dueElapsed > endElapsed) break;
      this.#timers.shift();
      this.#monotonic += next.dueElapsed - this.#elapsed;
      this.#elapsed = next.dueElapsed;
      this.#now = next.dueElapsed + offset;
      await next.fn();
    }
    this.#monotonic += endElapsed - this.#elapsed;
    this.#elapsed = endElapsed;
    this.#now = endElapsed + offset;
  }

  /** The wall clock is stepped by `deltaMs` (NTP, an operator, an RTC reset); no real time passes. */
  step(deltaMs: number): void {
    this.#now += deltaMs;
  }

  /** Sets the wall clock without real time passing (a step to an absolute time, e.g. 1970). */
  jumpTo(ms: number): void {
    this.#now = ms;
  }

  /**
   * The machine sleeps for `ms`: wall and real time move on, and timers that fell due meanwhile
   * run late, all at the moment of waking, as they do after a real suspend.
   */
  async suspend(ms: number): Promise<void> {
    this.#now += ms;
    this.#elapsed += ms;
    while (this.#timers[0] && this.#timers[0].dueElapsed <= this.#elapsed) await this.#timers.shift()!.fn();
  }
}

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/** Clock milliseconds per wall millisecond: the speed of a ScaledClock, 1 for any other. */
export function speedOf(clock: Clock): number {
  return clock instanceof ScaledClock ? clock.options.speed : 1;
}
