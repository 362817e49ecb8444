import type { FastifyInstance } from 'fastify';
import type { Alert } from '../../contract/alert.js';
import type { Clock } from '../../lib/time/clock.js';
import type { AuthResult } from '../http/auth.js';
import { AlertIdConflictError } from './alert-conflict.js';
import { implausibleTimes } from './plausible-time.js';
import { authenticatedRoute } from '../http/authenticated-route.js';
import { issuesError, type HttpError } from '../http/errors.js';
import type { IngestMetrics } from '../http/prometheus.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { ingestAlertsRequestSchema, type IngestAlertsResponse } from '../../contract/ingest-wire.js';

/** Where ingest hands alerts on (the ticket store); an interface so ingest does not import alerts/. */
export interface AlertSink {
  recordAlerts(alerts: readonly Alert[]): Promise<IngestAlertsResponse['results']>;
}

export interface AlertsRouteOptions {
  sink: AlertSink;
  /** Checks an Authorization header against the gateways' token digests; the principal is the gateway id. */
  verifyGateway: (authorization: string | undefined) => AuthResult<string>;
  /** Per gateway, in alerts; of its own, so that readings never use up an alert's allowance. */
  limiter: RateLimiter;
  metrics: IngestMetrics;
  clock: Clock;
}

/**
 * POST /v1/ingest/alerts: auth -> schema -> each alert from the token's own gateway -> rate
 * limit -> commit. Nothing here touches the telemetry store: alerts never wait on it.
 * The 200 answer means every alert of the batch is committed, so the gateway may drop them from
 * its outbox.
 */
export function alertsRoute(options: AlertsRouteOptions): (app: FastifyInstance) => void {
  return (app) =>
    authenticatedRoute(app, {
      method: 'POST',
      url: '/v1/ingest/alerts',
      role: 'gateway',
      verify: options.verifyGateway,
      body: ingestAlertsRequestSchema,
      rateLimit: { limiter: options.limiter, items: 'alerts' },
      handler: async ({ request, principal: gatewayId, body, spend }): Promise<IngestAlertsResponse> => {
        // An alert is never refused for its time, unlike a reading: an SOS from a gateway whose
        // clock is wrong (not yet synced after a power cut) is still an SOS. Its ticket opens at
        // the cloud's time instead (see newTicketRow); the alert keeps the time the gateway gave.
        const lateOrEarly = implausibleTimes('alerts', body.alerts, options.clock.now());
        if (lateOrEarly.length > 0) request.log.warn({ gatewayId, alerts: lateOrEarly }, "alert times far from the cloud's clock (is the gateway's clock set?): taken, their tickets open at the cloud's time");

        // A gateway speaks only for itself: one token must not be able to raise alerts anywhere.
        const foreign = body.alerts.flatMap((alert, i) =>
          alert.gatewayId === gatewayId
            ? []
            : [{ path: `alerts[${i}].gatewayId`, message: `"${alert.gatewayId}" is not the token's gateway "${gatewayId}"` }],
        );
        if (foreign.length > 0) throw issuesError(403, 'forbidden', 'alerts from another gateway', foreign);

        spend(body.alerts.length);

        let results: IngestAlertsResponse['results'];
        try {
          results = await options.sink.recordAlerts(body.alerts);
        } catch (err) {
          if (!(err instanceof AlertIdConflictError)) throw err;
          // Either this gateway's ids started again (its database was replaced) or something
          // forges them: a person must look, so error, not warn. Counted by the error handler.
          request.log.error({ gatewayId, conflicts: err.conflicts }, 'alert ids already delivered with other content; nothing of the batch is committed');
          throw alertIdConflict(err);
        }
        const created = body.alerts.filter((_, i) => results[i]?.status === 'created');
        options.metrics.committed(
          'alerts',
          created.map((a) => Date.parse(a.at)),
          results.length - created.length,
          options.clock.now(),
        );
        request.log.info({ gatewayId, alerts: results.length, created: created.length }, 'alerts ingested');
        return { results };
      },
    });
}

/** 409 naming each alert whose id this gateway delivered before with other content. */
function alertIdConflict(err: AlertIdConflictError): HttpError {
  return issuesError(
    409,
    'alert_id_conflict',
    'alert id already delivered by this gateway with other content (nothing of the batch is committed; send the others again without it)',
    err.conflicts.map((c) => ({ path: `alerts[${c.index}].id`, message: `"${c.alertId}" was delivered before with a different ${c.fields.join(', ')}` })),
  );
}
