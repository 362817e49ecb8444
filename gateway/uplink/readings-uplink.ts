import type { TimerHandle } from '../../lib/time/clock.js';
import { errorBodySchema, ingestReadingsResponseSchema, MAX_READINGS_PER_REQUEST, type WireReading } from '../../contract/ingest-wire.js';
import { retryAfterMs, RetryLaterError } from './backoff.js';
import { CloudSender, type CloudSenderOptions, type CloudSenderStatus } from './cloud-sender.js';
import type { ReadingsLane } from '../store/readings-lane.js';

export interface ReadingsUplinkOptions extends CloudSenderOptions {
  lane: ReadingsLane;
  /** Readings per request. @default 2000 */
  batchSize?: number;
  /**
   * Readings wait up to this long (clock ms) to fill a batch before they are sent (telemetry may
   * be a little late; one request per reading would not be). A full batch goes at once. @default 10000
   */
  lingerMs?: number;
}

export interface ReadingsUplinkStatus extends CloudSenderStatus {
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
 * Sends the readings lane to the cloud in stream order, one batch at a time, behind alerts (the
 * shared request queue gives alerts the first free connection). A batch leaves the lane only up
 * to the seq the cloud says it committed. Failures back off like the alerts lane (CloudSender);
 * a 413 halves the batch.
 */
export class ReadingsUplink extends CloudSender {
  readonly #lane: ReadingsLane;
  readonly #lingerMs: number;
  #batchSize: number;
  #lingerTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #delivered = 0;
  #refused = 0;

  constructor(options: ReadingsUplinkOptions) {
    super(options, 0);
    this.#lane = options.lane;
    this.#lingerMs = options.lingerMs ?? 10_000;
    this.#batchSize = Math.min(options.batchSize ?? 2_000, MAX_READINGS_PER_REQUEST);
  }

  override start(): void {
    this.#unsubscribe = this.#lane.onCommitted(() => this.#committed());
    super.start();
  }

  override async stop(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#lingerTimer) this.options.clock.clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    await super.stop();
  }

  status(): ReadingsUplinkStatus {
    return { ...this.senderStatus(), delivered: this.#delivered, refused: this.#refused };
  }

  /** New readings: send when a batch is full, else after the linger. */
  #committed(): void {
    if (this.#lingerTimer || this.senderStatus().sending || this.backingOff) return;
    if (this.#lane.counts().queued >= this.#batchSize) {
      this.kick();
      return;
    }
    this.#lingerTimer = this.options.clock.setTimeout(() => {
      this.#lingerTimer = null;
      this.kick();
    }, this.#lingerMs);
  }

  protected async sendAll(): Promise<void> {
    while (this.running) {
      const batch = this.#lane.peek(this.#batchSize);
      if (batch.length === 0) return;
      try {
        await this.#send(batch);
      } catch (err) {
        if (err instanceof TooLargeError && this.#batchSize > 1) {
          this.#batchSize = Math.max(1, Math.floor(this.#batchSize / 2));
          this.options.logger.warn({ batchSize: this.#batchSize }, 'the cloud finds the readings batch too large; sending smaller ones');
          continue;
        }
        if (err instanceof RefusedReadingsError) {
          const dropped = this.#lane.dropSeqs(err.seqs);
          this.#refused += dropped;
          this.options.logger.error({ readings: dropped, reason: err.message }, 'the cloud refused readings as invalid; they are dropped and counted (readings.refused)');
          continue;
        }
        throw err;
      }
      this.succeeded();
    }
  }

  protected failed(message: string, failures: number, delayMs: number): void {
    if (failures === 1 || failures % 10 === 0) {
      this.options.logger.warn({ queued: this.#lane.counts().queued, failures, retryInMs: delayMs, error: message }, 'cannot deliver readings to the cloud; they stay queued (within their quota) and will be retried');
    }
  }

  async #send(batch: WireReading[]): Promise<void> {
    const response = await this.post('/v1/ingest/readings', { stream: this.#lane.stream, readings: batch });
    const { status, text } = response;
    if (status === 413) throw new TooLargeError(`413 ${text.slice(0, 200)}`);
    if (status === 400) {
      const seqs = refusedSeqs(text, batch);
      if (seqs.length > 0) throw new RefusedReadingsError(seqs, `400 ${text.slice(0, 300)}`);
      throw new Error(`cloud answered 400 without naming a reading: ${text.slice(0, 300)}`);
    }
    if (status < 200 || status > 299) {
      const message = `cloud answered ${status} to readings: ${text.slice(0, 300)}`;
      if (status === 429 || status === 503) throw new RetryLaterError(message, retryAfterMs(response.retryAfter, Date.now()));
      throw new Error(message);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = ingestReadingsResponseSchema.safeParse(body);
    if (!parsed.success) throw new Error(`cloud answered ${status} with an unexpected body: ${text.slice(0, 300)}`);
    const last = batch[batch.length - 1]!.seq;
    const committed = Math.min(parsed.data.committedSeq, last);
    this.#lane.acknowledgeUpTo(committed);
    this.#delivered += batch.filter((r) => r.seq <= committed).length;
    if (committed < last) throw new Error(`cloud committed readings up to seq ${committed} of ${last}`);
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
