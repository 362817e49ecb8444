/**
 * A rate limit: `ratePerS` items a second on average, bursts up to `burst`. Two ways to spend:
 * `charge` for items already read, which may put the bucket into debt (`waitMs` then says how
 * long the client must stay unread for its average to hold: the gateway's MQTT clients), and
 * `take` for a request that may still be refused whole, taking nothing (the cloud's ingest).
 * Time is read from the caller (monotonic ms), so tests drive it, and time going back adds nothing.
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    now: number,
  ) {
    this.#tokens = burst;
    this.#at = now;
  }

  /** Tokens now (negative: in debt). */
  tokens(now: number): number {
    this.#tokens = Math.min(this.burst, this.#tokens + (Math.max(0, now - this.#at) / 1000) * this.ratePerS);
    this.#at = now;
    return this.#tokens;
  }

  /** Charges `count` messages that were read; returns the tokens left (negative: in debt). */
  charge(count: number, now: number): number {
    this.#tokens = this.tokens(now) - count;
    return this.#tokens;
  }

  /** Takes `count` tokens if the bucket holds them; otherwise takes nothing and says false. */
  take(count: number, now: number): boolean {
    if (this.tokens(now) < count) return false;
    this.#tokens -= count;
    return true;
  }

  /**
   * Seconds until the bucket holds `count` tokens (0 or less: it does now). A count over the
   * burst can never be held; it is answered with the time to a full bucket.
   */
  secondsUntil(count: number, now: number): number {
    return (Math.min(count, this.burst) - this.tokens(now)) / this.ratePerS;
  }

  /** Ms until the debt is paid (0 when not in debt). */
  waitMs(now: number): number {
    return Math.max(0, Math.ceil(this.secondsUntil(0, now) * 1000));
  }
}
