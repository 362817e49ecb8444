import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

/** Seconds from a reading's or alert's `at` (gateway clock) to its commit: seconds to a day. */
const LAG_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 1800, 3600, 21600, 86400];

export type IngestKind = 'alerts' | 'readings';

/**
 * The cloud's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * that two clouds in one process (tests, the demo) count separately.
 */
export class IngestMetrics {
  readonly registry = new Registry();
  readonly #accepted = new Counter({
    name: 'gridwatch_ingest_accepted_total',
    help: 'Alerts and readings committed for the first time',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #duplicates = new Counter({
    name: 'gridwatch_ingest_duplicates_total',
    help: 'Alerts and readings received again after they were committed (resends)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly #rejected = new Counter({
    name: 'gridwatch_rejected_requests_total',
    help: 'Requests answered with an error, by route and error code (invalid_body, unauthorized, rate_limited, database_unavailable, ...)',
    labelNames: ['route', 'reason'] as const,
    registers: [this.registry],
  });
  readonly #lag = new Histogram({
    name: 'gridwatch_ingest_lag_seconds',
    help: "Seconds from an item's time on the gateway to its commit in the cloud (0 when the gateway's clock is ahead)",
    labelNames: ['kind'] as const,
    buckets: LAG_BUCKETS_S,
    registers: [this.registry],
  });
  readonly #telemetryWritten = new Counter({
    name: 'gridwatch_telemetry_points_written_total',
    help: 'Readings the telemetry store acknowledged (resends included)',
    registers: [this.registry],
  });
  readonly #telemetryRetries = new Counter({
    name: 'gridwatch_telemetry_write_retries_total',
    help: 'Telemetry write attempts that failed and were tried again',
    registers: [this.registry],
  });
  readonly #telemetryFailures = new Counter({
    name: 'gridwatch_telemetry_write_failures_total',
    help: 'Telemetry writes given up after every attempt (the request was answered 503 telemetry_unavailable)',
    registers: [this.registry],
  });

  /** Counts a committed batch: `committedAtMs` is the cloud's clock, each `atMs` the gateway's. */
  committed(kind: IngestKind, atMs: readonly number[], duplicates: number, committedAtMs: number): void {
    if (atMs.length > 0) this.#accepted.inc({ kind }, atMs.length);
    if (duplicates > 0) this.#duplicates.inc({ kind }, duplicates);
    const lag = this.#lag.labels({ kind });
    for (const at of atMs) lag.observe(Math.max(0, (committedAtMs - at) / 1000));
  }

  rejected(route: string, reason: string): void {
    this.#rejected.inc({ route, reason });
  }

  telemetryWritten(points: number): void {
    this.#telemetryWritten.inc(points);
  }

  telemetryRetried(): void {
    this.#telemetryRetries.inc();
  }

  telemetryFailed(): void {
    this.#telemetryFailures.inc();
  }
}

/** GET /metrics in the Prometheus text format. Unauthenticated, as scrape endpoints usually are. */
export function metricsRoute(metrics: IngestMetrics): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/metrics', async (_request, reply) => {
      const text = await metrics.registry.metrics();
      return reply.type(metrics.registry.contentType).send(text);
    });
  };
}
