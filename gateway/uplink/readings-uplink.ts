import type { TimerHandle } from '../../lib/time/clock.js';
import { ingestReadingsResponseSchema, MAX_READINGS_PER_REQUEST, type IngestReadingsResponse, type WireReading } from '../../contract/ingest-wire.js';
import { CloudSender, type CloudLane, type CloudSenderOptions, type CloudSenderStatus } from './cloud-sender.js';
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

/** The readings endpoint; the cloud refuses named readings only as invalid. */
const READINGS: CloudLane<IngestReadingsResponse> = {
  path: '/v1/ingest/readings',
  field: 'readings',
  one: 'a reading',
  verdicts: { 400: 'invalid_body' },
  accepted: ingestReadingsResponseSchema,
  priority: 0,
};

/**
 * Sends the readings lane to the cloud in stream order, one batch at a time, behind alerts (the
 * shared request queue gives alerts the first free connection). A batch leaves the lane only up
 * to the seq the cloud says it committed. Failures back off like the alerts lane (CloudSender);
 * a 413 halves the batch.
 */
export class ReadingsUplink extends CloudSender<IngestReadingsResponse> {
  readonly #lane: ReadingsLane;
  readonly #lingerMs: number;
  #batchSize: number;
  #lingerTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #delivered = 0;
  #refused = 0;

  constructor(options: ReadingsUplinkOptions) {
    super(options, READINGS);
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
      const answer = await this.post({ stream: this.#lane.stream, readings: batch }, batch.length);
      if (answer.kind === 'too-large' && this.#batchSize > 1) {
        this.#batchSize = Math.max(1, Math.floor(this.#batchSize / 2));
        this.options.logger.warn({ batchSize: this.#batchSize }, 'the cloud finds the readings batch too large; sending smaller ones');
        continue;
      }
      if (answer.kind === 'refused') {
        const dropped = this.#lane.dropSeqs(batch.filter((_, i) => answer.indexes.has(i)).map((r) => r.seq));
        this.#refused += dropped;
        this.options.logger.error({ readings: dropped, reason: answer.message }, 'the cloud refused readings as invalid; they are dropped and counted (readings.refused)');
        continue;
      }
      // A batch the cloud fails on (or a single reading too large) goes again later, whole:
      // readings are never set aside one by one.
      if (answer.kind !== 'accepted') throw new Error(answer.message);
      this.#acknowledge(batch, answer.body);
      this.succeeded();
    }
  }

  protected failed(message: string, failures: number, delayMs: number): void {
    if (failures === 1 || failures % 10 === 0) {
      this.options.logger.warn({ queued: this.#lane.counts().queued, failures, retryInMs: delayMs, error: message }, 'cannot deliver readings to the cloud; they stay queued (within their quota) and will be retried');
    }
  }

  #acknowledge(batch: WireReading[], body: IngestReadingsResponse): void {
    const last = batch[batch.length - 1]!.seq;
    const committed = Math.min(body.committedSeq, last);
    this.#lane.acknowledgeUpTo(committed);
    this.#delivered += batch.filter((r) => r.seq <= committed).length;
    if (committed < last) throw new Error(`cloud committed readings up to seq ${committed} of ${last}`);
  }
}
