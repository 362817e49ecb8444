import type { TimerHandle } from '../../lib/time/clock.js';
import { ingestAlertsResponseSchema, type IngestAlertsResponse } from '../../contract/ingest-wire.js';
import { CloudSender, type CloudLane, type CloudSenderOptions, type CloudSenderStatus } from './cloud-sender.js';
import type { Outbox, OutboxEntry } from '../store/outbox.js';

export interface UplinkOptions extends CloudSenderOptions {
  outbox: Outbox;
  /** Alerts per request. @default 100 */
  batchSize?: number;
  /** How often alerts the cloud refused as invalid are offered again. @default 3600000 */
  rejectedRetryMs?: number;
  /**
   * An alert the cloud keeps failing on (a 500, while it takes the alerts around it) is set
   * aside after this many such answers, so that it holds back nothing. @default 5
   */
  refusalsBeforeSetAside?: number;
}

export interface UplinkStatus extends CloudSenderStatus {
  delivered: number;
  /** Alerts the cloud refused, kept in the outbox and offered again later (outbox.rejected). */
  setAside: number;
  /** The last alert set aside and why, for a person reading the status. */
  lastSetAside: { alertId: string; reason: string } | null;
}

/** The alerts endpoint; the cloud refuses named alerts for what they are with these codes. */
const ALERTS: CloudLane<IngestAlertsResponse> = {
  path: '/v1/ingest/alerts',
  field: 'alerts',
  one: 'an alert',
  verdicts: { 400: 'invalid_body', 403: 'forbidden', 409: 'alert_id_conflict' },
  accepted: ingestAlertsResponseSchema,
  // Alerts go before readings when both lanes wait for a connection.
  priority: 1,
};

/**
 * Sends the outbox to the cloud, oldest first (devices with an SOS waiting before the rest), one
 * request at a time so that alerts of a device arrive in the order they were raised. An entry
 * leaves the outbox only when the cloud has answered that it committed it. Every failure
 * (network, 5xx, 401, a 400 that is not the cloud's own verdict on named alerts, even a local
 * database error) backs off and tries again (CloudSender).
 */
export class AlertsUplink extends CloudSender<IngestAlertsResponse> {
  readonly #outbox: Outbox;
  readonly #batchSize: number;
  readonly #rejectedRetryMs: number;
  #rejectedTimer: TimerHandle | null = null;
  #unsubscribe: (() => void) | null = null;
  #batch: OutboxEntry[] = [];
  #delivered = 0;
  #lastSetAside: UplinkStatus['lastSetAside'] = null;
  readonly #refusalsBeforeSetAside: number;
  /** Per alert id, how often the cloud failed on it alone while taking others (since start). */
  readonly #refusals = new Map<string, number>();
  /** Alerts the cloud failed on alone in this drain: skipped until the next one. */
  #held: OutboxEntry[] = [];
  #committedThisDrain = 0;

  constructor(options: UplinkOptions) {
    super(options, ALERTS);
    this.#outbox = options.outbox;
    this.#batchSize = options.batchSize ?? 100;
    this.#rejectedRetryMs = options.rejectedRetryMs ?? 3_600_000;
    this.#refusalsBeforeSetAside = options.refusalsBeforeSetAside ?? 5;
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
    let setAside = 0;
    try {
      setAside = this.#outbox.counts().rejected;
    } catch {
      // The database is gone (stopping): the status still answers.
    }
    return { ...this.senderStatus(), delivered: this.#delivered, setAside, lastSetAside: this.#lastSetAside };
  }

  protected async sendAll(): Promise<void> {
    this.#held = [];
    this.#committedThisDrain = 0;
    while (this.running) {
      this.#batch = this.#outbox.peek(this.#batchSize, new Set(this.#held.map((e) => e.alert.id)));
      if (this.#batch.length === 0) break;
      const [committed, held] = [this.#committedThisDrain, this.#held.length];
      await this.#deliver(this.#batch);
      // The cloud answered; but an alert it fails on, alone, must not reset the backoff.
      if (this.#committedThisDrain > committed || this.#held.length === held) this.succeeded();
    }
    if (this.#held.length > 0 && this.running) this.#judgeHeld();
  }

  /**
   * Alerts the cloud failed on, each alone, in this drain. While it took others, the alert is
   * the problem: counted, and set aside at the limit. When it took nothing, the cloud is (the
   * alerts stay). Those left are tried again after a backoff.
   */
  #judgeHeld(): void {
    const held = this.#held;
    this.#held = [];
    const left: OutboxEntry[] = [];
    for (const entry of held) {
      const refusals = (this.#refusals.get(entry.alert.id) ?? 0) + (this.#committedThisDrain > 0 ? 1 : 0);
      if (refusals >= this.#refusalsBeforeSetAside) {
        this.#refusals.delete(entry.alert.id);
        this.#setAside(entry, 'refused', `the cloud failed on this alert ${refusals} times while taking the others`);
      } else {
        this.#refusals.set(entry.alert.id, refusals);
        left.push(entry);
      }
    }
    if (left.length === 0) return;
    this.#batch = left;
    const ids = left.map((e) => e.alert.id).join(', ');
    throw new Error(`the cloud failed on ${left.length} alert(s) on their own (${ids}); the others went`);
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

  /**
   * Sends a batch. A batch too large is halved; alerts the cloud names as refused are set aside
   * and the rest goes on; a batch the cloud fails on is halved down to the alert, which is held.
   * Any other answer throws, to back off.
   */
  async #deliver(batch: OutboxEntry[]): Promise<void> {
    const answer = await this.post({ alerts: batch.map((e) => e.alert) }, batch.length);
    switch (answer.kind) {
      case 'accepted':
        return this.#acknowledge(batch, answer.body);
      case 'failed':
        if (batch.length === 1) {
          this.#held.push(batch[0]!);
          return;
        }
        // Halves on their own: the good ones go, the poisoned one is found in log2(n) requests.
        return this.#deliverHalves(batch);
      case 'too-large':
        if (batch.length > 1) return this.#deliverHalves(batch);
        return this.#setAsideNamed(batch, new Set([0]), 'body_too_large', answer.message);
      case 'refused':
        return this.#setAsideNamed(batch, answer.indexes, answer.code, answer.message);
    }
  }

  async #deliverHalves(batch: OutboxEntry[]): Promise<void> {
    const half = Math.ceil(batch.length / 2);
    await this.#deliver(batch.slice(0, half));
    if (this.running) await this.#deliver(batch.slice(half));
  }

  /** Sets aside the alerts the cloud named; the others go on. */
  async #setAsideNamed(batch: OutboxEntry[], named: ReadonlySet<number>, code: string, reason: string): Promise<void> {
    batch.forEach((entry, i) => {
      if (named.has(i)) this.#setAside(entry, code, reason);
    });
    const rest = batch.filter((_, i) => !named.has(i));
    if (rest.length > 0 && this.running) await this.#deliver(rest);
  }

  #acknowledge(batch: OutboxEntry[], body: IngestAlertsResponse): void {
    const committed = new Set(body.results.map((r) => r.alertId));
    const acked = batch.map((e) => e.alert.id).filter((id) => committed.has(id));
    this.#outbox.acknowledge(acked);
    this.#delivered += acked.length;
    this.#committedThisDrain += acked.length;
    for (const id of acked) this.#refusals.delete(id);
    this.options.logger.debug({ sent: batch.length, acknowledged: acked.length }, 'alerts delivered');
    if (acked.length < batch.length) throw new Error(`cloud confirmed ${acked.length} of ${batch.length} alerts`);
  }

  #setAside(entry: OutboxEntry, code: string, reason: string): void {
    this.#outbox.setAside(entry.alert.id, reason);
    this.#lastSetAside = { alertId: entry.alert.id, reason };
    const every = `it stays in the outbox and is offered again every ${Math.round(this.#rejectedRetryMs / 60_000)} min and at the next start`;
    const what =
      code === 'alert_id_conflict'
        ? `NOT DELIVERED: the cloud already holds another alert of this gateway under this id (did this gateway's database start again?); ${every}, and will be refused until a person looks`
        : code === 'refused'
          ? `NOT DELIVERED: the cloud keeps failing on this alert while it takes the others, so it no longer holds them back; ${every}`
          : `NOT DELIVERED: the cloud refused this alert (${code}); ${every}`;
    this.options.logger.error({ alert: entry.alert.id, device: entry.alert.deviceId, grade: entry.alert.grade, code, reason }, what);
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
