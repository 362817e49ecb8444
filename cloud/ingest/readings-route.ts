import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../lib/time/clock.js';
import type { AuthResult } from '../http/auth.js';
import { authenticatedRoute } from '../http/authenticated-route.js';
import { HttpError, issuesError } from '../http/errors.js';
import { implausibleTimes } from './plausible-time.js';
import type { IngestMetrics } from '../http/prometheus.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { ingestReadingsRequestSchema, type IngestReadingsResponse, type WireReading } from '../../contract/ingest-wire.js';

/** Where readings are committed once (marks and hourly rollups); an interface so ingest does not import readings/. */
export interface ReadingCommitter {
  committedSeq(gatewayId: string, stream: string): Promise<number>;
  commit(gatewayId: string, stream: string, readings: readonly WireReading[]): Promise<{ committed: readonly WireReading[]; committedSeq: number }>;
}

/** The telemetry store; resolves once it has every reading, rejects when it did not take them. */
export interface TelemetrySink {
  write(gatewayId: string, readings: readonly WireReading[]): Promise<void>;
}

export interface ReadingsRouteOptions {
  committer: ReadingCommitter;
  /** Absent: readings go to the rollups only. */
  telemetry?: TelemetrySink | undefined;
  verifyGateway: (authorization: string | undefined) => AuthResult<string>;
  limiter: RateLimiter;
  /** Largest body of this route, in bytes (larger than the alerts' limit: 5,000 readings). */
  bodyLimitBytes: number;
  metrics: IngestMetrics;
  clock: Clock;
}

/** Seconds a gateway is asked to wait when the telemetry store did not answer. */
export const TELEMETRY_RETRY_AFTER_S = 10;

/**
 * POST /v1/ingest/readings: auth -> schema -> rate limit -> drop what the stream's mark says is
 * committed -> telemetry store (awaited) -> one transaction that advances the mark and the rollups.
 *
 * The order makes a failure anywhere safe: readings reach the telemetry store before the mark
 * moves, and a second write of a point there is harmless (same series and timestamp), so a crash
 * or a 503 between the two steps only means the gateway sends the batch again. The 200 answer
 * means every reading up to committedSeq is committed, so the gateway may drop them.
 */
export function readingsRoute(options: ReadingsRouteOptions): (app: FastifyInstance) => void {
  return (app) =>
    authenticatedRoute(app, {
      method: 'POST',
      url: '/v1/ingest/readings',
      role: 'gateway',
      verify: options.verifyGateway,
      body: ingestReadingsRequestSchema,
      bodyLimitBytes: options.bodyLimitBytes,
      rateLimit: { limiter: options.limiter, items: 'readings' },
      handler: async ({ request, principal: gatewayId, body, spend }): Promise<IngestReadingsResponse> => {
        const { stream, readings } = body;
        const lateOrEarly = implausibleTimes('readings', readings, options.clock.now());
        if (lateOrEarly.length > 0) throw issuesError(400, 'invalid_body', 'request body is not valid', lateOrEarly);

        spend(readings.length);

        // A hint read without a lock: it spares the telemetry store a resent batch. The commit
        // below decides under the lock, against the mark as it is then.
        const mark = await options.committer.committedSeq(gatewayId, stream);
        const fresh = readings.filter((r) => r.seq > mark);
        if (fresh.length === 0) {
          options.metrics.committed('readings', [], readings.length, options.clock.now());
          return { accepted: 0, duplicates: readings.length, committedSeq: mark };
        }

        if (options.telemetry) {
          try {
            await options.telemetry.write(gatewayId, fresh);
          } catch (err) {
            request.log.warn({ err, gatewayId, stream, readings: fresh.length }, 'telemetry store did not take the readings');
            throw new HttpError(
              503,
              'telemetry_unavailable',
              `the telemetry store does not answer; nothing of this batch is committed, send it again in ${TELEMETRY_RETRY_AFTER_S} s`,
              undefined,
              { 'retry-after': String(TELEMETRY_RETRY_AFTER_S) },
            );
          }
        }

        const { committed, committedSeq } = await options.committer.commit(gatewayId, stream, fresh);
        options.metrics.committed(
          'readings',
          committed.map((r) => Date.parse(r.at)),
          readings.length - committed.length,
          options.clock.now(),
        );
        // Every few seconds per gateway: debug, or it buries everything else.
        request.log.debug({ gatewayId, stream, readings: readings.length, accepted: committed.length, committedSeq }, 'readings ingested');
        return { accepted: committed.length, duplicates: readings.length - committed.length, committedSeq };
      },
    });
}
