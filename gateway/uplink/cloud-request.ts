import type { Clock } from '../../lib/time/clock.js';
import { classifyAnswer, unanswered, type BatchTerms, type CloudAnswer, type HttpAnswer } from './cloud-answer.js';

export interface CloudRequest<T> {
  url: URL;
  token: string;
  /** The JSON body: a batch of `batchLength` items and whatever goes with it. */
  body: unknown;
  batchLength: number;
  terms: BatchTerms<T>;
  /** Dates a Retry-After given as an HTTP date. */
  clock: Clock;
  /** Wall-clock limit of the request. */
  timeoutMs: number;
  /** Aborts the request (the gateway is stopping). */
  signal: AbortSignal;
}

/**
 * POSTs one batch to the cloud and says what the answer means. Never throws: a request that got
 * no answer (refused, reset, timed out, aborted) is an answer to try again later.
 */
export async function requestCloud<T>(request: CloudRequest<T>): Promise<CloudAnswer<T>> {
  let answer: HttpAnswer;
  try {
    const r = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${request.token}` },
      body: JSON.stringify(request.body),
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]),
    });
    answer = { status: r.status, text: await r.text(), retryAfter: r.headers.get('retry-after') };
  } catch (err) {
    return unanswered(err, request.timeoutMs);
  }
  return classifyAnswer(answer, request.terms, request.batchLength, request.clock.now());
}
