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
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    readonly options: TokenBucketOptions,
    private readonly nowMs: () => number,
  ) {}

  take(key: string, cost: number): TakeResult {
    const now = this.nowMs();
    const { perSecond, burst } = this.options;
    const bucket = this.#buckets.get(key) ?? { tokens: burst, atMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.atMs) * perSecond) / 1000);
    bucket.atMs = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    // A cost over the burst can never pass; the config refuses bursts below the largest batch.
    const missing = Math.min(cost, burst) - bucket.tokens;
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(missing / perSecond)) };
  }
}
