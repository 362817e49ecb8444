import { TokenBucket } from '../../lib/net/token-bucket.js';

export interface TokenBucketOptions {
  /** Items added back per second. */
  perSecond: number;
  /** Most items at once; a full bucket after a quiet spell. */
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

/**
 * A token bucket per key (gateway id): a request costs one token per item it carries, and is
 * refused whole, taking nothing, when the bucket holds fewer. Time is a monotonic millisecond
 * source (the clock's `monotonic`), so a wall-clock step neither empties nor fills a bucket.
 * Keys are the configured gateways only (the route authenticates first), so the map stays small.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(
    readonly options: TokenBucketOptions,
    private readonly nowMs: () => number,
  ) {}

  take(key: string, cost: number): TakeResult {
    const now = this.nowMs();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options.perSecond, this.options.burst, now);
      this.#buckets.set(key, bucket);
    }
    if (bucket.take(cost, now)) return { ok: true };
    // A cost over the burst can never pass; the config refuses bursts below the largest batch.
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(bucket.secondsUntil(cost, now))) };
  }
}
