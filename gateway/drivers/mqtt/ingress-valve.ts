import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../../lib/time/clock.js';
import { TokenBucket } from '../../../lib/net/token-bucket.js';

/** Why a client's socket was left unread for a while. */
export type HoldReason = 'rate' | 'turn';

export interface IngressValveOptions {
  /** PUBLISH packets a second per client, on average. */
  ratePerClient: number;
  /** Bursts up to this many. */
  burst: number;
  /**
   * PUBLISH packets read from busy clients in one event-loop turn before they wait for the next
   * one. Bounds how long a new connection or a quiet device's SOS waits behind a flood.
   */
  busyFramesPerTurn: number;
  /** Monotonic time and timers: the wall's in the gateway (this protects the CPU, not a story). */
  timer: Pick<Clock, 'monotonic' | 'setTimeout' | 'clearTimeout'>;
  onHold?: (why: HoldReason) => void;
}

/**
 * A client that has published at most about once a second (bursts of 5) is quiet: a meter, a
 * door, a wristband, an SOS button, a client still connecting. Anything more is bulk.
 */
const QUIET_RATE_PER_S = 1;
const QUIET_BURST = 5;

interface Gate {
  socket: Socket;
  /** The client's rate limit. */
  bucket: TokenBucket;
  /** Whether it is quiet (see QUIET_RATE_PER_S). */
  quiet: TokenBucket;
  /** Set while the client is held for its rate: the timer that reopens it. */
  rateHold: TimerHandle | undefined;
  /** Queued for the next turn. */
  waitingTurn: boolean;
}

/**
 * Sheds a flood at the socket instead of reading and discarding it: a client over its rate is
 * simply not read until its average allows again. Its bytes wait in the kernel, TCP pushes back,
 * and the device (its in-flight window full, or its socket buffer) slows down; nothing is lost
 * and no CPU is spent on it. Within a turn of the event loop, busy clients get at most
 * `busyFramesPerTurn` packets read, then wait for the next turn in turns; quiet clients (a new
 * connection, a device that reports now and then, hence every SOS button) are always read at
 * once, so they never queue behind a flood, even one that stays under every client's rate but
 * is more than the CPU can take.
 *
 * aedes reads a client's socket with `read()` on 'readable' and after each batch; the valve
 * answers that read with "nothing yet" while the client is held, and emits 'readable' when it
 * reopens (aedes' `client.pause()` would lose the count of a batch in flight).
 */
export class IngressValve {
  #turnSpent = 0;
  #turnResetScheduled = false;
  readonly #waiting: Gate[] = [];

  constructor(private readonly o: IngressValveOptions) {}

  /**
   * Takes over reading from a client's socket (after `broker.handle(socket)`); returns what to
   * call with the PUBLISH packets of each chunk read: bulk ones, and urgent ones (an SOS, a
   * fall), which never count against the client's rate, only against the turn it is read in.
   */
  attach(socket: Socket): (bulk: number, urgent: number) => void {
    const now = this.o.timer.monotonic();
    const gate: Gate = {
      socket,
      bucket: new TokenBucket(this.o.ratePerClient, this.o.burst, now),
      quiet: new TokenBucket(QUIET_RATE_PER_S, QUIET_BURST, now),
      rateHold: undefined,
      waitingTurn: false,
    };
    const read = socket.read;
    // read(0) is the stream's own "fetch more", not a consumer's read: let it through.
    socket.read = (size?: number) => (size !== 0 && !this.#mayRead(gate) ? null : read.call(socket, size));
    socket.once('close', () => {
      if (gate.rateHold) this.o.timer.clearTimeout(gate.rateHold);
      gate.rateHold = undefined;
    });
    return (bulk, urgent) => this.#charge(gate, bulk, urgent);
  }

  #mayRead(gate: Gate): boolean {
    if (gate.rateHold) return false;
    if (this.#turnSpent < this.o.busyFramesPerTurn || gate.quiet.tokens(this.o.timer.monotonic()) > 0) return true;
    this.#waitForNextTurn(gate);
    return false;
  }

  #charge(gate: Gate, bulk: number, urgent: number): void {
    const now = this.o.timer.monotonic();
    gate.bucket.charge(bulk, now);
    gate.quiet.charge(bulk + urgent, now);
    this.#turnSpent += bulk + urgent;
    this.#scheduleTurnReset();
    const waitMs = gate.bucket.waitMs(now);
    if (waitMs > 0 && !gate.rateHold) {
      this.o.onHold?.('rate');
      gate.rateHold = this.o.timer.setTimeout(() => {
        gate.rateHold = undefined;
        this.#wake(gate);
      }, waitMs);
    }
  }

  #waitForNextTurn(gate: Gate): void {
    if (gate.waitingTurn) return;
    gate.waitingTurn = true;
    this.#waiting.push(gate);
    this.o.onHold?.('turn');
    this.#scheduleTurnReset();
  }

  #scheduleTurnReset(): void {
    if (this.#turnResetScheduled) return;
    this.#turnResetScheduled = true;
    // Immediates queued from here run after this turn's I/O; queued from an immediate, in the next turn.
    setImmediate(() => {
      this.#turnResetScheduled = false;
      this.#turnSpent = 0;
      // Those held back read first, in the order they waited, as far as this turn allows.
      while (this.#waiting.length > 0 && this.#turnSpent < this.o.busyFramesPerTurn) {
        const gate = this.#waiting.shift()!;
        gate.waitingTurn = false;
        this.#wake(gate);
      }
      if (this.#waiting.length > 0) this.#scheduleTurnReset();
    });
  }

  /** Lets the client's reader (aedes) at the bytes that waited. */
  #wake(gate: Gate): void {
    if (gate.socket.destroyed || gate.rateHold) return;
    if (!this.#mayRead(gate)) return;
    gate.socket.emit('readable');
  }
}
