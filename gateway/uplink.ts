import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { errorBodySchema, ingestAlertsResponseSchema } from '../cloud/ingest/wire.js';
import type PQueue from 'p-queue';
import { backoffDelay, describeFetchError, retryAfterMs, RetryLaterError } from './backoff.js';
import type { CloudReachability } from './cloud-reachability.js';
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
  /** How often alerts the cloud refused as invalid are offered again. @default 3600000 */
  rejectedRetryMs?: number;
  /** Random source for jitter, injectable for tests. @default Math.random */
  random?: () => number;
  /** Requests to the cloud go through this queue (shared with the readings lane; alerts first). */
  requests?: PQueue;
  /** Told of each success and failure, to say when the cloud is unreachable. */
  reachability?: CloudReachability;
}

export interface UplinkStatus {
  sending: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  /** Clock time of the next attempt while backing off, else null. */
  retryAt: number | null;
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
 * Sends the outbox to the cloud, oldest first, one request at a time so that alerts of a device
 * arrive in the order they were raised. An entry leaves the outbox only when the cloud has
 * answered that it committed it. Every failure (network, 5xx, 401, a 400 that is not the
 * cloud's own verdict on named alerts, even a local database error) backs off exponentially
 * with jitter, capped, and tries again: the uplink never gives up and never crashes the gateway.
 */
export class Uplink {
  readonly #o: Required<Omit<UplinkOptions, 'requests' | 'reachability'>> & Pick<UplinkOptions, 'requests' | 'reachability'>;
  #running = false;
  #sending: Promise<void> | null = null;
  #retryTimer: TimerHandle | null = null;
  #rejectedTimer: TimerHandle | null = null;
  #abort: AbortController | null = null;
  #unsubscribe: (() => void) | null = null;
  #status: UplinkStatus = { sending: false, consecutiveFailures: 0, lastError: null, retryAt: null, delivered: 0 };

  constructor(options: UplinkOptions) {
    this.#o = {
      batchSize: 100,
      retryInitialMs: 1_000,
      retryMaxMs: 60_000,
      requestTimeoutMs: 10_000,
      rejectedRetryMs: 3_600_000,
      random: Math.random,
      ...options,
    };
  }

  start(): void {
    this.#running = true;
    this.#unsubscribe = this.#o.outbox.onEnqueue(() => this.kick());
    this.#scheduleRejectedRetry();
    this.kick();
  }

  /** Stops sending: aborts a request in flight (its alerts stay in the outbox) and cancels timers. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#abort?.abort(new Error('the gateway is stopping'));
    for (const timer of [this.#retryTimer, this.#rejectedTimer]) if (timer) this.#o.clock.clearTimeout(timer);
    this.#retryTimer = this.#rejectedTimer = null;
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
    let batch: OutboxEntry[] = [];
    try {
      while (this.#running) {
        batch = this.#o.outbox.peek(this.#o.batchSize);
        if (batch.length === 0) return;
        await this.#deliver(batch);
        this.#status.consecutiveFailures = 0;
        this.#status.lastError = null;
        this.#o.reachability?.succeeded();
      }
    } catch (err) {
      this.#backOff(batch, err as Error);
    }
  }

  /** Sends a batch; a batch too large is halved, and alerts the cloud names as invalid are set aside. */
  async #deliver(batch: OutboxEntry[]): Promise<void> {
    try {
      await this.#send(batch);
    } catch (err) {
      if (err instanceof TooLargeError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        await this.#deliver(batch.slice(0, half));
        if (this.#running) await this.#deliver(batch.slice(half));
        return;
      }
      if (err instanceof InvalidAlertsError || err instanceof TooLargeError) {
        const named = err instanceof InvalidAlertsError ? err.indexes : new Set([0]);
        batch.forEach((entry, i) => {
          if (named.has(i)) this.#setAside(entry, err.message);
        });
        const rest = batch.filter((_, i) => !named.has(i));
        if (rest.length > 0 && this.#running) await this.#deliver(rest);
        return;
      }
      throw err;
    }
  }

  async #send(batch: OutboxEntry[]): Promise<void> {
    const url = new URL('/v1/ingest/alerts', this.#o.cloudUrl);
    const abort = (this.#abort = new AbortController());
    let response: Response;
    let text: string;
    const request = async (): Promise<[Response, string]> => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#o.token}` },
        body: JSON.stringify({ alerts: batch.map((e) => e.alert) }),
        signal: AbortSignal.any([abort.signal, AbortSignal.timeout(this.#o.requestTimeoutMs)]),
      });
      return [r, await r.text()];
    };
    try {
      // Alerts go before readings when both lanes wait for a connection.
      [response, text] = this.#o.requests ? ((await this.#o.requests.add(request, { priority: 1 })) as [Response, string]) : await request();
    } finally {
      this.#abort = null;
    }
    if (response.status === 413) throw new TooLargeError(`413 ${text.slice(0, 300)}`);
    if (response.status === 400) {
      const named = invalidAlertIndexes(text, batch.length);
      if (named) throw new InvalidAlertsError(named, `400 ${text.slice(0, 500)}`);
      // Not the cloud's verdict on named alerts (a proxy's page, an unknown shape): try again later.
      throw new Error(`cloud answered 400 without naming an alert: ${text.slice(0, 300)}`);
    }
    if (!response.ok) {
      const hint =
        response.status === 401 || response.status === 403
          ? ' (check cloud.token and gatewayId in the gateway config, and the gateway entry in the cloud config)'
          : '';
      const message = `cloud answered ${response.status}${hint}: ${text.slice(0, 300)}`;
      if (response.status === 429 || response.status === 503) throw new RetryLaterError(message, retryAfterMs(response.headers.get('retry-after'), Date.now()));
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
    this.#o.outbox.acknowledge(acked);
    this.#status.delivered += acked.length;
    this.#o.logger.debug({ sent: batch.length, acknowledged: acked.length }, 'alerts delivered');
    if (acked.length < batch.length) throw new Error(`cloud confirmed ${acked.length} of ${batch.length} alerts`);
  }

  #setAside(entry: OutboxEntry, reason: string): void {
    this.#o.outbox.setAside(entry.alert.id, reason);
    this.#o.logger.error(
      { alert: entry.alert.id, reason },
      `the cloud refused this alert as invalid; it stays in the outbox and is offered again every ${Math.round(this.#o.rejectedRetryMs / 60_000)} min and at the next start`,
    );
  }

  #scheduleRejectedRetry(): void {
    this.#rejectedTimer = this.#o.clock.setTimeout(() => {
      if (!this.#running) return;
      try {
        const n = this.#o.outbox.retryRejected();
        if (n > 0) this.#o.logger.warn({ alerts: n }, 'offering alerts the cloud refused before again');
      } catch (err) {
        this.#o.logger.error({ err }, 'cannot read the outbox');
      }
      this.#scheduleRejectedRetry();
      this.kick();
    }, this.#o.rejectedRetryMs);
  }

  #backOff(batch: OutboxEntry[], err: Error): void {
    if (!this.#running) return;
    const failures = ++this.#status.consecutiveFailures;
    const asked = err instanceof RetryLaterError ? err.retryAfterMs : undefined;
    const delay = Math.max(backoffDelay(failures, this.#o.retryInitialMs, this.#o.retryMaxMs, this.#o.random), asked ?? 0);

    const message = err.name === 'TimeoutError' ? `no answer within ${this.#o.requestTimeoutMs} ms` : describeFetchError(err);
    this.#status.lastError = message;
    this.#o.reachability?.failed(message);
    this.#status.retryAt = this.#o.clock.now() + delay;
    let pending: number | undefined;
    try {
      this.#o.outbox.recordFailure(
        batch.map((e) => e.alert.id),
        message,
      );
      pending = this.#o.outbox.counts().pending;
    } catch (dbErr) {
      this.#o.logger.error({ err: dbErr }, 'cannot write to the outbox database; check the disk of the data directory');
    }
    this.#o.logger.warn(
      { pending, failures, retryInMs: delay, error: message },
      'cannot deliver alerts to the cloud; they stay in the outbox and will be retried',
    );
    this.#retryTimer = this.#o.clock.setTimeout(() => {
      this.#retryTimer = null;
      this.#status.retryAt = null;
      this.kick();
    }, delay);
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
