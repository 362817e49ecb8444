import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { InfluxDB } from '@influxdata/influxdb-client';
import type { Logger } from '../../lib/log.js';
import type { TelemetryConfig } from '../config.js';
import type { WireReading } from '../../contract/ingest-wire.js';
import { readingLine } from './reading-points.js';

export interface TelemetryWriterHooks {
  written(points: number): void;
  retried(): void;
  failed(): void;
}

export interface TelemetryWriterOptions {
  config: TelemetryConfig;
  logger: Logger;
  hooks?: TelemetryWriterHooks | undefined;
  /**
   * Waits before attempt n + 1 (n from 1). Real time, like the socket timeout it follows: this
   * is transport pacing, not domain time, so it does not come from the injected clock.
   * @default 100 ms, then 400 ms, at most 1 s
   */
  backoffMs?: (failedAttempts: number) => number;
}

/** The store did not take a batch after every attempt; the request is answered 503 and resent. */
export class TelemetryUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TelemetryUnavailableError';
  }
}

/**
 * Writes readings to an InfluxDB-compatible store with @influxdata/influxdb-client, and resolves
 * only when the store has acknowledged every batch: the readings route commits the stream's mark
 * after that, so a reading is never marked committed before the store has it.
 *
 * The client's own background retry buffer is switched off (maxRetries 0): it would acknowledge
 * now and retry later, in a process that may die meanwhile. Instead each batch is tried a few
 * times here and then given up, and the gateway, which still holds the readings, sends them again.
 */
export class InfluxTelemetryWriter {
  readonly #influx: InfluxDB;
  readonly #agent: HttpAgent;
  readonly #o: TelemetryWriterOptions;
  readonly #backoffMs: (failedAttempts: number) => number;

  constructor(options: TelemetryWriterOptions) {
    this.#o = options;
    const { url, token, timeoutMs } = options.config;
    // Keep-alive: a batch per request would otherwise pay a TCP (and TLS) handshake each time.
    this.#agent = url.startsWith('https:') ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#influx = new InfluxDB({ url, ...(token ? { token } : {}), timeout: timeoutMs, transportOptions: { agent: this.#agent } });
    this.#backoffMs = options.backoffMs ?? ((n) => Math.min(1_000, 100 * 4 ** (n - 1)));
  }

  /** Writes the gateway's readings in batches of `batchSize` lines, one after another. */
  async write(gatewayId: string, readings: readonly WireReading[]): Promise<void> {
    const { batchSize } = this.#o.config;
    for (let i = 0; i < readings.length; i += batchSize) {
      const lines = readings.slice(i, i + batchSize).map((r) => readingLine(gatewayId, r));
      await this.#writeBatch(lines);
      this.#o.hooks?.written(lines.length);
    }
  }

  async #writeBatch(lines: string[]): Promise<void> {
    const { attempts } = this.#o.config;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#send(lines);
        return;
      } catch (err) {
        const retry = attempt < attempts && isRetryable(err);
        this.#o.logger.warn({ err, attempt, attempts, retry, points: lines.length }, 'telemetry write failed');
        if (!retry) {
          this.#o.hooks?.failed();
          throw new TelemetryUnavailableError(`the telemetry store did not take ${lines.length} points after ${attempt} attempt(s)`, { cause: err });
        }
        this.#o.hooks?.retried();
        await delay(this.#backoffMs(attempt));
      }
    }
  }

  /**
   * One HTTP write of exactly these lines. A WriteApi of its own with a batch size above the
   * line count sends nothing until flush(), and flush() then settles with this request's outcome
   * (writeFailed turns the error into flush's rejection, bypassing the retry buffer and the
   * client's console logging). No gzip: on the LAN or loopback between cloud and store it costs
   * more CPU than it saves in bytes.
   */
  #send(lines: string[]): Promise<void> {
    const { org, bucket } = this.#o.config;
    const api = this.#influx.getWriteApi(org, bucket, 'ms', {
      batchSize: lines.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      writeFailed: (error) => Promise.reject(error),
      gzipThreshold: Number.MAX_SAFE_INTEGER,
    });
    api.writeRecords(lines);
    return api.flush();
  }

  close(): void {
    this.#agent.destroy();
  }
}

/**
 * 429 and 5xx answers are worth another try, a 400 or 401 is not (the same lines or token would
 * fail again). Without an answer (refused, reset, timed out) the store may be back in a moment.
 */
function isRetryable(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number') return status === 429 || status >= 500;
  return true;
}
