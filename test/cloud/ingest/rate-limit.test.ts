import { describe, expect, test } from 'vitest';
import { RateLimiter } from '../../../cloud/http/rate-limit.js';

describe('RateLimiter', () => {
  test('a full bucket takes a burst, then refills at the rate, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 100, burst: 500 }, () => now);
    expect(limiter.take('gw-1', 500)).toEqual({ ok: true });
    expect(limiter.take('gw-1', 1)).toEqual({ ok: false, retryAfterS: 1 });
    expect(limiter.take('gw-2', 500)).toEqual({ ok: true });
    now += 2_000; // 200 tokens back
    expect(limiter.take('gw-1', 300)).toEqual({ ok: false, retryAfterS: 1 });
    expect(limiter.take('gw-1', 200)).toEqual({ ok: true });
  });

  test('a refused request takes nothing, and Retry-After is the time to the missing tokens', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 10, burst: 100 }, () => now);
    limiter.take('gw-1', 100);
    expect(limiter.take('gw-1', 45)).toEqual({ ok: false, retryAfterS: 5 });
    now += 4_500;
    expect(limiter.take('gw-1', 45)).toEqual({ ok: true });
  });

  test('the bucket never holds more than the burst, and time going back adds nothing', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ perSecond: 1_000, burst: 100 }, () => now);
    now += 3_600_000;
    expect(limiter.take('gw-1', 100)).toEqual({ ok: true });
    now -= 10_000;
    expect(limiter.take('gw-1', 1).ok).toBe(false);
  });
});
