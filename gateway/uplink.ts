import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { ingestAlertsResponseSchema } from '../cloud/ingest/wire.js';
import type { Outbox, OutboxEntry } from './outbox.js';

export interface UplinkOptions {
  outbox: Outbox;
  /** Base URL of the cloud ingest, e.g. https://gridwatch.example.org */
  cloudUrl: string;
  token: string;
  clock: Clock;
  logger: Logger;
  /** Alerts per request. @default 100 */
  batchSize?: number;
  /** First retry delay; doubles per failure. @default 1000 */
  retryInitialMs?: number;
  /** Longest retry delay. @default 60000 */
  retryMaxMs?: number;
  /** Wall-clock limit of one request. @default 10000 */
  requestTimeoutMs?: number;
  /** Random source for jitter, injectable for tests. @default Math.random */
  random?: () => number;
}

export interface UplinkStatus {
  sending: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  /** Clock time of the next attempt while backing off, else null. */
  retryAt: number | null;
  delivered: number;
}

/** A failure the cloud will answer the same way however often we retry: set the alert aside. */
class RejectedError extends Error {}

/**
 * Sends the outbox to the cloud, oldest first, one request at a time so that alerts of a device
 * arrive in the order they were raised. An entry leaves the outbox only when the cloud has
 * answered that it committed it. Failures back off exponentially with jitter, capped.
 */
export class Uplink {
  readonly #o: Required<UplinkOptions>;
  #running = false;
  #sending: Promise<void> | null = null;
  #retryTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #status: UplinkStatus = { sending: false, consecutiveFailures: 0, lastError: null, retryAt: null, delivered: 0 };

  constructor(options: UplinkOptions) {
    this.#o = {
      batchSize: 100,
      retryInitialMs: 1_000,
      retryMaxMs: 60_000,
      requestTimeoutMs: 10_000,
      random: Math.random,
      ...options,
    };
  }

  start(): void {
    this.#running = true;
    this.#unsubscribe = this.#o.outbox.onEnqueue(() => this.kick());
    this.kick();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    if (this.#retryTimer) this.#o.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    await this.#sending;
  }

  status(): UplinkStatus {
    return { ...this.#status, sending: this.#sending !== null };
  }

  /** Starts sending unless a send is under way or the uplink is waiting out a backoff. */
  kick(): void {
    if (!this.#running || this.#sending || this.#retryTimer) return;
    this.#sending = this.#drain().finally(() => {
      this.#sending = null;
    });
  }

  /** Resolves when no request is in flight (tests and the demo wait on it). */
  async idle(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #drain(): Promise<void> {
    for (;;) {
      if (!this.#running) return;
      const batch = this.#o.outbox.peek(this.#o.batchSize);
      if (batch.length === 0) return;
      try {
        await this.#deliver(batch);
        this.#status.consecutiveFailures = 0;
        this.#status.lastError = null;
      } catch (err) {
        this.#backOff(batch, err as Error);
        return;
      }
    }
  }

  /** Sends a batch; when the cloud rejects it as invalid, finds the bad alerts one by one so the good ones still go. */
  async #deliver(batch: OutboxEntry[]): Promise<void> {
    try {
      await this.#send(batch);
    } catch (err) {
      if (!(err instanceof RejectedError)) throw err;
      if (batch.length > 1) {
        for (const entry of batch) await this.#deliver([entry]);
        return;
      }
      const id = batch[0]!.alert.id;
      this.#o.outbox.setAside(id, err.message);
      this.#o.logger.error(
        { alert: id, reason: err.message },
        'the cloud rejected this alert as invalid; it is kept in the outbox and offered again at the next start',
      );
    }
  }

  async #send(batch: OutboxEntry[]): Promise<void> {
    const url = new URL('/v1/ingest/alerts', this.#o.cloudUrl);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.token}` },
      body: JSON.stringify({ alerts: batch.map((e) => e.alert) }),
      signal: AbortSignal.timeout(this.#o.requestTimeoutMs),
    });
    const text = await response.text();
    if (response.status === 400 || response.status === 413) {
      throw new RejectedError(`${response.status} ${text.slice(0, 500)}`);
    }
    if (!response.ok) {
      const hint =
        response.status === 401 || response.status === 403
          ? ' (check cloud.token in the gateway config and the gateway entry in the cloud config)'
          : '';
      throw new Error(`cloud answered ${response.status}${hint}: ${text.slice(0, 300)}`);
    }
    const parsed = ingestAlertsResponseSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`cloud answered 200 with an unexpected body: ${text.slice(0, 300)}`);
    const committed = new Set(parsed.data.results.map((r) => r.alertId));
    const acked = batch.map((e) => e.alert.id).filter((id) => committed.has(id));
    this.#o.outbox.acknowledge(acked);
    this.#status.delivered += acked.length;
    this.#o.logger.debug({ sent: batch.length, acknowledged: acked.length }, 'alerts delivered');
    if (acked.length < batch.length) throw new Error(`cloud confirmed ${acked.length} of ${batch.length} alerts`);
  }

  #backOff(batch: OutboxEntry[], err: Error): void {
    const failures = ++this.#status.consecutiveFailures;
    const ceiling = Math.min(this.#o.retryMaxMs, this.#o.retryInitialMs * 2 ** Math.min(failures - 1, 30));
    // "Equal jitter": at least half the ceiling, so a fleet of gateways spreads out but none hammers.
    const delay = Math.round(ceiling / 2 + (this.#o.random() * ceiling) / 2);
    const message = err.name === 'TimeoutError' ? `no answer within ${this.#o.requestTimeoutMs} ms` : describe(err);
    this.#status.lastError = message;
    this.#status.retryAt = this.#o.clock.now() + delay;
    this.#o.outbox.recordFailure(
      batch.map((e) => e.alert.id),
      message,
    );
    this.#o.logger.warn(
      { pending: this.#o.outbox.counts().pending, failures, retryInMs: delay, error: message },
      'cannot deliver alerts to the cloud; they stay in the outbox and will be retried',
    );
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = null;
      this.#status.retryAt = null;
      this.kick();
    }, delay);
  }
}

function describe(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${err.message} (${cause.code})` : err.message;
}
