/**
 * A per-client rate limit: `ratePerS` messages a second on average, bursts up to `burst`.
 * Messages already read are charged even past empty (the bucket goes into debt), and
 * `waitMs` says how long the client must then stay unread for its average to hold.
 * Time is read from the caller (monotonic ms), so tests drive it.
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
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.ratePerS);
    this.#at = now;
    return this.#tokens;
  }

  /** Charges `count` messages that were read; returns the tokens left (negative: in debt). */
  charge(count: number, now: number): number {
    this.#tokens = this.tokens(now) - count;
    return this.#tokens;
  }

  /** Ms until the debt is paid (0 when not in debt). */
  waitMs(now: number): number {
    const tokens = this.tokens(now);
    return tokens >= 0 ? 0 : Math.ceil((-tokens / this.ratePerS) * 1000);
  }
}
