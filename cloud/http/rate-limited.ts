import { HttpError } from './errors.js';
import type { TokenBucketOptions } from './rate-limit.js';

/** 429 rate_limited, with the Retry-After the bucket computed and the limit spelled out. */
export function rateLimited(gatewayId: string, items: 'alerts' | 'readings', limit: TokenBucketOptions, retryAfterS: number): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    `gateway "${gatewayId}" is over its limit of ${limit.perSecond} ${items}/s (bursts of ${limit.burst}); send this batch again in ${retryAfterS} s`,
    undefined,
    { 'retry-after': String(retryAfterS) },
  );
}
