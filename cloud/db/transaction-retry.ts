/**
 * PostgreSQL may abort a transaction that did nothing wrong: a deadlock between two ingest
 * replicas (40P01) or a serialization failure (40001). Both are meant to be retried from the
 * start; anything else is a real error and is thrown at once.
 */
const RETRYABLE_PG_CODES = new Set(['40P01', '40001']);

export function isRetryableTransactionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_PG_CODES.has(code);
}

/** Runs `attempt` up to `maxAttempts` times while it fails with a retryable transaction error. */
export async function withTransactionRetry<T>(attempt: () => Promise<T>, maxAttempts = 3): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= maxAttempts || !isRetryableTransactionError(err)) throw err;
    }
  }
}
