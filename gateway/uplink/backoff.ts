/**
 * The wait before retry number `failures` (1-based): doubling from `initialMs`, capped at
 * `maxMs`, with "equal jitter" (at least half the ceiling), so a fleet of gateways spreads out
 * after an outage but none hammers the cloud.
 */
export function backoffDelay(failures: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After of a 429 or 503, in ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3_600) * 1_000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.min(Math.max(0, at - nowMs), 3_600_000) : undefined;
}

/** An answer of the cloud that names when to come back. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** A fetch error with its cause's code (ECONNREFUSED, ...), which fetch's own message leaves out. */
export function describeFetchError(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}
