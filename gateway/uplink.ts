import type { TimerHandle } from '../lib/clock.js';
import { errorBodySchema, ingestAlertsResponseSchema } from '../cloud/ingest/wire.js';
import { retryAfterMs, RetryLaterError } from './backoff.js';
import { CloudSender, type CloudSenderOptions, type CloudSenderStatus } from './cloud-sender.js';
import type { Outbox, OutboxEntry } from './outbox.js';

export interface UplinkOptions extends CloudSenderOptions {
  outbox: Outbox;
  /** Alerts per request. @default 100 */
  batchSize?: number;
  /** How often alerts the cloud refused as invalid are offered again. @default 3600000 */
  rejectedRetryMs?: number;
}

export interface UplinkStatus extends CloudSenderStatus {
  delivered: number;
}

/** The cloud named these alerts (by batch index) as invalid: it will refuse them however often they are sent. */
class InvalidAlertsError extends Error {
  constructor(
    readonly indexes: ReadonlySet<number>,
    message: string,
  ) {
    super(message);
  }
}

/** The batch is over the cloud's size limit: smaller batches will go. */
class TooLargeError extends Error {}

/**
 * Sends the outbox to the cloud, oldest first (devices with an SOS waiting before the rest), one
 * request at a time so that alerts of a device arrive in the order they were raised. An entry
 * leaves the outbox only when the cloud has answered that it committed it. Every failure
 * (network, 5xx, 401, a 400 that is not the cloud's own verdict on named alerts, even a local
 * database error) backs off and tries again (CloudSender).
 */
export class Uplink extends CloudSender {
  readonly #outbox: Outbox;
  readonly #batchSize: number;
  readonly #rejectedRetryMs: number;
  #rejectedTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #batch: OutboxEntry[] = [];
  #delivered = 0;

  constructor(options: UplinkOptions) {
    // Alerts go before readings when both lanes wait for a connection.
    super(options, 1);
    this.#outbox = options.outbox;
    this.#batchSize = options.batchSize ?? 100;
    this.#rejectedRetryMs = options.rejectedRetryMs ?? 3_600_000;
  }

  override start(): void {
    this.#unsubscribe = this.#outbox.onEnqueue(() => this.kick());
    this.#scheduleRejectedRetry();
    super.start();
  }

  override async stop(): Promise<void> {
    this.#unsubscribe?.();
    if (this.#rejectedTimer) this.options.clock.clearTimeout(this.#rejectedTimer);
    this.#rejectedTimer = null;
    await super.stop();
  }

  status(): UplinkStatus {
    return { ...this.senderStatus(), delivered: this.#delivered };
  }

  protected async sendAll(): Promise<void> {
    while (this.running) {
      this.#batch = this.#outbox.peek(this.#batchSize);
      if (this.#batch.length === 0) return;
      await this.#deliver(this.#batch);
      this.succeeded();
    }
  }

  protected failed(message: string, failures: number, delayMs: number): void {
    let pending: number | undefined;
    try {
      this.#outbox.recordFailure(
        this.#batch.map((e) => e.alert.id),
        message,
      );
      pending = this.#outbox.counts().pending;
    } catch (dbErr) {
      this.options.logger.error({ err: dbErr }, 'cannot write to the outbox database; check the disk of the data directory');
    }
    this.options.logger.warn({ pending, failures, retryInMs: delayMs, error: message }, 'cannot deliver alerts to the cloud; they stay in the outbox and will be retried');
  }

  /** Sends a batch; a batch too large is halved, and alerts the cloud names as invalid are set aside. */
  async #deliver(batch: OutboxEntry[]): Promise<void> {
    try {
      await this.#send(batch);
    } catch (err) {
      if (err instanceof TooLargeError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await this.#deliver(batch.slice(0, half));
        if (this.running) await this.#deliver(batch.slice(half));
        return;
      }
      if (err instanceof InvalidAlertsError || err instanceof TooLargeError) {
        const named = err instanceof InvalidAlertsError ? err.indexes : new Set([0]);
        batch.forEach((entry, i) => {
          if (named.has(i)) this.#setAside(entry, err.message);
        });
        const rest = batch.filter((_, i) => !named.has(i));
        if (rest.length > 0 && this.running) await this.#deliver(rest);
        return;
      }
      throw err;
    }
  }

  async #send(batch: OutboxEntry[]): Promise<void> {
    const response = await this.post('/v1/ingest/alerts', { alerts: batch.map((e) => e.alert) });
    const { text } = response;
    if (response.status === 413) throw new TooLargeError(`413 ${text.slice(0, 300)}`);
    if (response.status === 400) {
      const named = invalidAlertIndexes(text, batch.length);
      if (named) throw new InvalidAlertsError(named, `400 ${text.slice(0, 500)}`);
      // Not the cloud's verdict on named alerts (a proxy's page, an unknown shape): try again later.
      throw new Error(`cloud answered 400 without naming an alert: ${text.slice(0, 300)}`);
    }
    if (response.status < 200 || response.status > 299) {
      const hint =
        response.status === 401 || response.status === 403
          ? ' (check cloud.token and gatewayId in the gateway config, and the gateway entry in the cloud config)'
          : '';
      const message = `cloud answered ${response.status}${hint}: ${text.slice(0, 300)}`;
      if (response.status === 429 || response.status === 503) throw new RetryLaterError(message, retryAfterMs(response.retryAfter, Date.now()));
      throw new Error(message);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const parsed = ingestAlertsResponseSchema.safeParse(body);
    if (!parsed.success) throw new Error(`cloud answered ${response.status} with an unexpected body: ${text.slice(0, 300)}`);
    const committed = new Set(parsed.data.results.map((r) => r.alertId));
    const acked = batch.map((e) => e.alert.id).filter((id) => committed.has(id));
    this.#outbox.acknowledge(acked);
    this.#delivered += acked.length;
    this.options.logger.debug({ sent: batch.length, acknowledged: acked.length }, 'alerts delivered');
    if (acked.length < batch.length) throw new Error(`cloud confirmed ${acked.length} of ${batch.length} alerts`);
  }

  #setAside(entry: OutboxEntry, reason: string): void {
    this.#outbox.setAside(entry.alert.id, reason);
    this.options.logger.error(
      { alert: entry.alert.id, reason },
      `the cloud refused this alert as invalid; it stays in the outbox and is offered again every ${Math.round(this.#rejectedRetryMs / 60_000)} min and at the next start`,
    );
  }

  #scheduleRejectedRetry(): void {
    this.#rejectedTimer = this.options.clock.setTimeout(() => {
      if (!this.running) return;
      try {
        const n = this.#outbox.retryRejected();
        if (n > 0) this.options.logger.warn({ alerts: n }, 'offering alerts the cloud refused before again');
      } catch (err) {
        this.options.logger.error({ err }, 'cannot read the outbox');
      }
      this.#scheduleRejectedRetry();
      this.kick();
    }, this.#rejectedRetryMs);
  }
}

/**
 * Which alerts of the batch the cloud's 400 names as invalid (`alerts[3].at`), or undefined when
 * the answer is not the cloud's error body or names none (then it is not a verdict on alerts).
 */
function invalidAlertIndexes(text: string, batchLength: number): Set<number> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (!parsed.success || parsed.data.error !== 'invalid_body') return undefined;
  const indexes = new Set<number>();
  for (const issue of parsed.data.issues ?? []) {
    const match = /^alerts\[(\d+)\]/.exec(issue.path);
    if (match && Number(match[1]) < batchLength) indexes.add(Number(match[1]));
  }
  return indexes.size > 0 ? indexes : undefined;
}
