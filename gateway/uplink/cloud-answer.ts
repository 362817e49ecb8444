import type { ZodType } from 'zod';
import { errorBodySchema, type ErrorBody } from '../../contract/ingest-wire.js';

/**
 * What the cloud's answer to a batch means for the lane that sent it. Both lanes read answers
 * here, once; each decides what a kind means for its queue (halve, set aside, drop, back off).
 */
export type CloudAnswer<T> =
  /** A 2xx with the body the lane expects. */
  | { kind: 'accepted'; body: T }
  /** 413: the batch is over the cloud's size limit; smaller ones will go. */
  | { kind: 'too-large'; message: string }
  /**
   * The cloud's verdict on the items it names (by batch index): invalid (400), from another
   * gateway (403), an id it holds with other content (409). It will refuse them however often
   * they are sent.
   */
  | { kind: 'refused'; code: string; indexes: ReadonlySet<number>; message: string }
  /**
   * The cloud failed on the whole batch with its own error body (a 500 internal_error, a 400
   * naming no item): maybe one item in it poisons the request.
   */
  | { kind: 'failed'; message: string }
  /**
   * Anything else (429, 503, other 5xx, 401, a proxy's page, an unexpected body, no answer at
   * all): the same batch may go later, not before `retryAfterMs` when the cloud said so.
   */
  | { kind: 'retry-later'; message: string; retryAfterMs: number | undefined };

/** How a lane's batches and the cloud's answers about them are spelled. */
export interface BatchTerms<T> {
  /** The request body's array, as the cloud's issues name its items (`alerts[3].at`). */
  field: string;
  /** One item, for messages: "an alert". */
  one: string;
  /** Per status, the error code with which the cloud refuses named items. */
  verdicts: Readonly<Record<number, string>>;
  /** The body of a 2xx answer. */
  accepted: ZodType<T>;
}

/** An HTTP answer as it came: status, body text and the Retry-After header. */
export interface HttpAnswer {
  status: number;
  text: string;
  retryAfter: string | null;
}

/** Reads the answer to a batch of `batchLength` items; `nowMs` (clock time) dates a Retry-After. */
export function classifyAnswer<T>(answer: HttpAnswer, terms: BatchTerms<T>, batchLength: number, nowMs: number): CloudAnswer<T> {
  const { status, text } = answer;
  const excerpt = text.slice(0, 300);
  if (status >= 200 && status <= 299) {
    const parsed = terms.accepted.safeParse(parseJson(text));
    if (parsed.success) return { kind: 'accepted', body: parsed.data };
    return { kind: 'retry-later', message: `cloud answered ${status} with an unexpected body: ${excerpt}`, retryAfterMs: undefined };
  }
  if (status === 413) return { kind: 'too-large', message: `413 ${excerpt}` };
  // Only the cloud's own error body is a verdict, not a proxy's page or an unknown shape.
  const parsed = errorBodySchema.safeParse(parseJson(text));
  const cloudError = parsed.success ? parsed.data : undefined;
  const indexes = cloudError ? namedIndexes(status, cloudError, terms, batchLength) : undefined;
  if (cloudError && indexes) return { kind: 'refused', code: cloudError.error, indexes, message: `${status} ${text.slice(0, 500)}` };
  if (status === 400) {
    const message = `cloud answered 400 without naming ${terms.one}: ${excerpt}`;
    return cloudError ? { kind: 'failed', message } : { kind: 'retry-later', message, retryAfterMs: undefined };
  }
  if (status === 500 && cloudError) return { kind: 'failed', message: `cloud answered 500: ${excerpt}` };
  const hint = status === 401 || status === 403 ? ' (check cloud.token and gatewayId in the gateway config, and the gateway entry in the cloud config)' : '';
  const asked = status === 429 || status === 503 ? retryAfterMs(answer.retryAfter, nowMs) : undefined;
  return { kind: 'retry-later', message: `cloud answered ${status}${hint}: ${excerpt}`, retryAfterMs: asked };
}

/** A request that got no answer (connection refused or reset, timeout): try again later. */
export function unanswered(err: unknown, timeoutMs: number): CloudAnswer<never> {
  const e = err as Error;
  const message = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeFetchError(e);
  return { kind: 'retry-later', message, retryAfterMs: undefined };
}

/** Retry-After of a 429 or 503, in ms (seconds or an HTTP date, against `nowMs`), or undefined. */
export function retryAfterMs(header: string | null, nowMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3_600) * 1_000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.min(Math.max(0, at - nowMs), 3_600_000) : undefined;
}

/** A fetch error with its cause's code (ECONNREFUSED, ...), which fetch's own message leaves out. */
function describeFetchError(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}

/**
 * The batch indexes an error body names with the status's verdict code, or undefined when it
 * names none (then it is no verdict on items). A 403 naming every item of the batch is a token
 * for another gateway (a config mistake), not a verdict.
 */
function namedIndexes(status: number, body: ErrorBody, terms: BatchTerms<unknown>, batchLength: number): Set<number> | undefined {
  if (body.error !== terms.verdicts[status]) return undefined;
  const pattern = new RegExp(`^${terms.field}\\[(\\d+)\\]`);
  const indexes = new Set<number>();
  for (const issue of body.issues ?? []) {
    const match = pattern.exec(issue.path);
    if (match && Number(match[1]) < batchLength) indexes.add(Number(match[1]));
  }
  if (indexes.size === 0 || (status === 403 && indexes.size === batchLength)) return undefined;
  return indexes;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
