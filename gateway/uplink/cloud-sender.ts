import type PQueue from 'p-queue';
import type { Clock, TimerHandle } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';
import { backoffDelay, RetryLaterError } from './backoff.js';
import type { BatchTerms, CloudAnswer } from './cloud-answer.js';
import type { CloudReachability } from './cloud-reachability.js';
import { requestCloud } from './cloud-request.js';

export interface CloudSenderOptions {
  /** Base URL of the cloud ingest, e.g. https://gridwatch.example.org */
  cloudUrl: string;
  token: string;
  clock: Clock;
  logger: Logger;
  /** First retry delay; doubles per failure. @default 1000 */
  retryInitialMs?: number;
  /** Longest retry delay. @default 60000 */
  retryMaxMs?: number;
  /** Wall-clock limit of one request. @default 10000 */
  requestTimeoutMs?: number;
  /** Random source for jitter, injectable for tests. @default Math.random */
  random?: () => number;
  /** Requests to the cloud go through this queue, shared by the lanes; higher priority first. */
  requests?: PQueue;
  /** Told of each success and failure, to say when the cloud is unreachable. */
  reachability?: CloudReachability;
}

export interface CloudSenderStatus {
  sending: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  /** Clock time of the next attempt while backing off, else null. */
  retryAt: number | null;
}

/** Where a lane posts its batches and how the cloud's answers speak of them. */
export interface CloudLane<T> extends BatchTerms<T> {
  /** The ingest endpoint, e.g. /v1/ingest/alerts. */
  path: string;
  /** Place in the shared request queue: alerts before readings. */
  priority: number;
}

/** An answer a lane acts on; every other one backs off (`post` throws it). */
export type SettledAnswer<T> = Exclude<CloudAnswer<T>, { kind: 'retry-later' }>;

/**
 * What the alerts and readings lanes share: one drain at a time, started by `kick`; any failure
 * backs off exponentially with jitter, capped, and at least a 429's or 503's Retry-After, then
 * tries again, for ever: a sender never gives up and never crashes the gateway. A subclass says
 * how to send everything queued (`sendAll`, which throws to back off; `post` reads the cloud's
 * answers) and what a failure means for its queue (`failed`).
 */
export abstract class CloudSender<T> {
  protected readonly options: Required<Omit<CloudSenderOptions, 'requests' | 'reachability'>> & Pick<CloudSenderOptions, 'requests' | 'reachability'>;
  #running = false;
  #sending: Promise<void> | null = null;
  #retryTimer: TimerHandle | null = null;
  #abort: AbortController | null = null;
  #failures = 0;
  #lastError: string | null = null;
  #retryAt: number | null = null;

  constructor(
    options: CloudSenderOptions,
    private readonly lane: CloudLane<T>,
  ) {
    this.options = { retryInitialMs: 1_000, retryMaxMs: 60_000, requestTimeoutMs: 10_000, random: Math.random, ...options };
  }

  /** Sends everything queued now; throws on a failure worth backing off for. */
  protected abstract sendAll(): Promise<void>;

  /** A send failed and will be retried in `delayMs`: record and log it as the queue needs. */
  protected abstract failed(message: string, failures: number, delayMs: number): void;

  protected get running(): boolean {
    return this.#running;
  }

  /** True while waiting out a backoff. */
  protected get backingOff(): boolean {
    return this.#retryTimer !== null;
  }

  start(): void {
    this.#running = true;
    this.kick();
  }

  /** Stops sending: aborts a request in flight (what it carried stays queued) and cancels the retry. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort?.abort(new Error('the gateway is stopping'));
    if (this.#retryTimer) this.options.clock.clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    await this.#sending;
  }

  /** Starts sending unless a send is under way or the sender is waiting out a backoff. */
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

  protected senderStatus(): CloudSenderStatus {
    return { sending: this.#sending !== null, consecutiveFailures: this.#failures, lastError: this.#lastError, retryAt: this.#retryAt };
  }

  /** A batch went through: the failure count starts again and the cloud is reachable. */
  protected succeeded(): void {
    this.#failures = 0;
    this.#lastError = null;
    this.options.reachability?.succeeded();
  }

  /**
   * POSTs a batch of `batchLength` items to the lane's endpoint through the shared queue and
   * returns the cloud's answer; throws RetryLaterError when the answer is to try again later.
   */
  protected async post(body: unknown, batchLength: number): Promise<SettledAnswer<T>> {
    const abort = (this.#abort = new AbortController());
    const o = this.options;
    const request = () =>
      requestCloud({ url: new URL(this.lane.path, o.cloudUrl), token: o.token, body, batchLength, terms: this.lane, clock: o.clock, timeoutMs: o.requestTimeoutMs, signal: abort.signal });
    let answer: CloudAnswer<T>;
    try {
      answer = o.requests ? ((await o.requests.add(request, { priority: this.lane.priority })) as CloudAnswer<T>) : await request();
    } finally {
      this.#abort = null;
    }
    if (answer.kind === 'retry-later') throw new RetryLaterError(answer.message, answer.retryAfterMs);
    return answer;
  }

  async #drain(): Promise<void> {
    try {
      await this.sendAll();
    } catch (err) {
      this.#backOff(err as Error);
    }
  }

  #backOff(err: Error): void {
    if (!this.#running) return;
    const o = this.options;
    const failures = ++this.#failures;
    const asked = err instanceof RetryLaterError ? err.retryAfterMs : undefined;
    const delay = Math.max(backoffDelay(failures, o.retryInitialMs, o.retryMaxMs, o.random), asked ?? 0);
    // `post` names the cause of a request that got no answer (ECONNREFUSED, a timeout) itself.
    const message = err.message;
    this.#lastError = message;
    this.#retryAt = o.clock.now() + delay;
    o.reachability?.failed(message);
    this.failed(message, failures, delay);
    this.#retryTimer = o.clock.setTimeout(() => {
      this.#retryTimer = null;
      this.#retryAt = null;
      this.kick();
    }, delay);
  }
}
