/**
 * The wait before retry number `failures` (1-based): doubling from `initialMs`, capped at
 * `maxMs`, with "equal jitter" (at least half the ceiling), so a fleet of gateways spreads out
 * after an outage but none hammers the cloud.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** The cloud's answer (or its silence) says to try again later, not before `retryAfterMs` when it named a time. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}
