/**
 * Whether an error means "the database cannot be reached right now" (stopped, restarting,
 * refusing, connection cut, SQLite file locked by another process) rather than "this request is
 * wrong" or "our code is wrong". Those are answered 503 with Retry-After instead of 500: the
 * gateway keeps the batch and sends it again, and nothing is lost.
 */

/** Node's socket errors on the way to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception), 57P01-57P03 (admin shutdown, crash
 * shutdown, "the database system is starting up"), 53300 (too many connections).
 */
const PG_CODES = /^(08...|57P0[123]|53300)$/;

/** better-sqlite3: another process holds the write lock past the busy timeout. */
const SQLITE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * node-postgres reports a lost or unobtainable connection by message only (no code):
 * "Connection terminated unexpectedly", "Connection terminated due to connection timeout",
 * "timeout exceeded when trying to connect", "Client has encountered a connection error and is
 * not queryable".
 */
const PG_MESSAGES = /connection terminated|timeout exceeded when trying to connect|not queryable|cannot use a pool after calling end/i;

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 5) return false;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || PG_CODES.test(code) || SQLITE_CODES.has(code))) return true;
  if (typeof message === 'string' && PG_MESSAGES.test(message)) return true;
  // Node gives an AggregateError when every address of a host refused (::1 and 127.0.0.1).
  if (Array.isArray(errors) && errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}
