import type PQueue from 'p-queue';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { errorBodySchema, ingestReadingsResponseSchema, MAX_READINGS_PER_REQUEST, type WireReading } from '../cloud/ingest/wire.js';
import { backoffDelay, describeFetchError, retryAfterMs, RetryLaterError } from './backoff.js';
import type { CloudReachability } from './cloud-reachability.js';
import type { ReadingsLane } from './readings-lane.js';

export interface ReadingsUplinkOptions {
  lane: ReadingsLane;
  cloudUrl: string;
  token: string;
  clock: Clock;
  logger: Logger;
  /** Readings per request. @default 2000 */
  batchSize?: number;
  /**
   * Readings wait up to this long (clock ms) to fill a batch before they are sent (telemetry may
   * be a little late; one request per reading would not be). A full batch goes at once. @default 10000
   */
  lingerMs?: number;
  /** @default 1000 */
  retryInitialMs?: number;
  /** @default 60000 */
  retryMaxMs?: number;
  /** @default 10000 */
  requestTimeoutMs?: number;
  random?: () => number;
  /** Shared with the alerts lane, which goes first. */
  requests?: PQueue;
  reachability?: CloudReachability;
}

export interface ReadingsUplinkStatus {
  sending: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  retryAt: number | null;
  /** Readings the cloud confirmed. */
  delivered: number;
  /** Readings the cloud refused as invalid (dropped: they can never be delivered). */
  refused: number;
}

/** The cloud answered 400 naming readings of the batch: they are dropped; the rest goes again. */
class RefusedReadingsError extends Error {
  constructor(
    readonly seqs: number[],
    message: string,
  ) {
    super(message);
  }
}

class TooLargeError extends Error {}

/**
 * Sends the readings lane to the cloud in stream order, one batch at a time, behind alerts (a
 * shared request queue gives alerts the first free connection). A batch leaves the lane only up to
 * the seq the cloud says it committed. Failures back off like the alerts lane; 429 and 503 wait at
 * least their Retry-After; a 413 halves the batch.
 */
export class ReadingsUplink {
  readonly #o: Required<Omit<ReadingsUplinkOptions, 'requests' | 'reachability'>> & Pick<ReadingsUplinkOptions, 'requests' | 'reachability'>;
  #batchSize: number;
  #running = false;
  #sending: Promise<void> | null = null;
  #retryTimer: TimerHandle | null = null;
  #lingerTimer: TimerHandle | null = null;
  #abort: AbortController | null = null;
  #unsubscribe: (() => void) | null = null;
  #status: ReadingsUplinkStatus = { sending: false, consecutiveFailures: 0, lastError: null, retryAt: null, delivered: 0, refused: 0 };

  constructor(options: ReadingsUplinkOptions) {
    this.#o = { batchSize: 2_000, lingerMs: 10_000, retryInitialMs: 1_000, retryMaxMs: 60_000, requestTimeoutMs: 10_000, random: Math.random, ...options };
    this.#batchSize = Math.min(this.#o.batchSize, MAX_READINGS_PER_REQUEST);
  }

  start(): void {
    this.#running = true;
    this.#unsubscribe = this.#o.lane.onCommitted(() => this.#committed());
    this.kick();
  }

  /** New readings: send when a batch is full, else after the linger. */
  #committed(): void {
    if (this.#lingerTimer || this.#sending || this.#retryTimer) return;
    if (this.#o.lane.counts().queued >= this.#batchSize) {
      this.kick();
      return;
    }
    this.#lingerTimer = this.#o.clock.setTimeout(() => {
      this.#lingerTimer = null;
      this.kick();
    }, this.#o.lingerMs);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#abort?.abort(new Error('the gateway is stopping'));
    for (const timer of [this.#retryTimer, this.#lingerTimer]) if (timer) this.#o.clock.clearTimeout(timer);
    this.#retryTimer = this.#lingerTimer = null;
    await this.#sending;
  }

  status(): ReadingsUplinkStatus {
    return { ...this.#status, sending: this.#sending !== null };
  }

  kick(): void {
    if (!this.#running || this.#sending || this.#retryTimer) return;
    this.#sending = this.#drain().finally(() => {
      this.#sending = null;
    });
  }

  async idle(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#running) {
        const batch = this.#o.lane.peek(this.#batchSize);
        if (batch.length === 0) return;
        try {
          await this.#send(batch);
        } catch (err) {
          if (err instanceof TooLargeError && this.#batchSize > 1) {
            this.#batchSize = Math.max(1, Math.floor(this.#batchSize / 2));
            this.#o.logger.warn({ batchSize: this.#batchSize }, 'the cloud finds the readings batch too large; sending smaller ones');
            continue;
          }
          if (err instanceof RefusedReadingsError) {
            const dropped = this.#o.lane.dropSeqs(err.seqs);
            this.#status.refused += dropped;
            this.#o.logger.error({ readings: dropped, reason: err.message }, 'the cloud refused readings as invalid; they are dropped and counted (readings.refused)');
            continue;
          }
          throw err;
        }
        this.#status.consecutiveFailures = 0;
        this.#status.lastError = null;
        this.#o.reachability?.succeeded();
      }
    } catch (err) {
      this.#backOff(err as Error);
    }
  }

  async #send(batch: WireReading[]): Promise<void> {
    const abort = (this.#abort = new AbortController());
    const request = async (): Promise<[Response, string]> => {
      const r = await fetch(new URL('/v1/ingest/readings', this.#o.cloudUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.token}` },
        body: JSON.stringify({ stream: this.#o.lane.stream, readings: batch }),
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.#o.requestTimeoutMs)]),
      });
      return [r, await r.text()];
    };
    let response: Response;
    let text: string;
    try {
      [response, text] = this.#o.requests ? ((await this.#o.requests.add(request, { priority: 0 })) as [Response, string]) : await request();
    } finally {
      this.#abort = null;
    }
    if (response.status === 413) throw new TooLargeError(`413 ${text.slice(0, 200)}`);
    if (response.status === 400) {
      const seqs = refusedSeqs(text, batch);
      if (seqs.length > 0) throw new RefusedReadingsError(seqs, `400 ${text.slice(0, 300)}`);
      throw new Error(`cloud answered 400 without naming a reading: ${text.slice(0, 300)}`);
    }
    if (!response.ok) {
      const message = `cloud answered ${response.status} to readings: ${text.slice(0, 300)}`;
      if (response.status === 429 || response.status === 503) throw new RetryLaterError(message, retryAfterMs(response.headers.get('retry-after'), Date.now()));
      throw new Error(message);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = ingestReadingsResponseSchema.safeParse(body);
    if (!parsed.success) throw new Error(`cloud answered ${response.status} with an unexpected body: ${text.slice(0, 300)}`);
    const last = batch[batch.length - 1]!.seq;
    const committed = Math.min(parsed.data.committedSeq, last);
    this.#o.lane.acknowledgeUpTo(committed);
    this.#status.delivered += batch.filter((r) => r.seq <= committed).length;
    if (committed < last) throw new Error(`cloud committed readings up to seq ${committed} of ${last}`);
  }

  #backOff(err: Error): void {
    if (!this.#running) return;
    const failures = ++this.#status.consecutiveFailures;
    const asked = err instanceof RetryLaterError ? err.retryAfterMs : undefined;
    const delay = Math.max(backoffDelay(failures, this.#o.retryInitialMs, this.#o.retryMaxMs, this.#o.random), asked ?? 0);
    const message = err.name === 'TimeoutError' ? `no answer within ${this.#o.requestTimeoutMs} ms` : describeFetchError(err);
    this.#status.lastError = message;
    this.#status.retryAt = this.#o.clock.now() + delay;
    this.#o.reachability?.failed(message);
    if (failures === 1 || failures % 10 === 0) {
      this.#o.logger.warn({ queued: this.#o.lane.counts().queued, failures, retryInMs: delay, error: message }, 'cannot deliver readings to the cloud; they stay queued (within their quota) and will be retried');
    }
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = null;
      this.#status.retryAt = null;
      this.kick();
    }, delay);
  }
}

/** The seqs of the readings a 400 names (`readings[3].metrics.volume_l`), or none. */
function refusedSeqs(text: string, batch: readonly WireReading[]): number[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success || parsed.data.error !== 'invalid_body') return [];
  const seqs = new Set<number>();
  for (const issue of parsed.data.issues ?? []) {
    const match = /^readings\[(\d+)\]/.exec(issue.path);
    const reading = match ? batch[Number(match[1])] : undefined;
    if (reading) seqs.add(reading.seq);
  }
  return [...seqs];
}
