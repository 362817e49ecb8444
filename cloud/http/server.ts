import { redactUrl } from '../../lib/net/redact-url.js';
import { fastify, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../lib/log.js';
import { DebugAccessLog } from './access-log.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { HttpError } from './errors.js';
import type { ErrorBody } from '../../contract/ingest-wire.js';

/** 200 answer of GET /healthz. */
export const healthBodySchema = z.object({ status: z.literal('ok') });

/**
 * Seconds a client is asked to wait at least while the database does not answer: short, because
 * an SOS waits behind it and a restart is often over in a fraction of a second; gateways back off
 * exponentially on top of it during a long outage.
 */
export const DATABASE_RETRY_AFTER_S = 1;

export interface RouteEntry {
  method: string;
  url: string;
}

export interface CloudServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413 body_too_large. */
  bodyLimitBytes: number;
  logger: Logger;
  /** Resolves when the service can do its job (the database answers); backs GET /healthz. */
  healthCheck: () => Promise<void>;
  /** Adds the API routes; called in order before the server is ready. */
  routes: ReadonlyArray<(app: FastifyInstance) => void>;
  /** Told of every error answer, with the route pattern (or "unmatched") and the error code. */
  onRejected?: ((route: string, reason: string) => void) | undefined;
}

const routesOfApp = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server has (HEAD twins of GET routes included), in the order they were added. */
export function routesOf(app: FastifyInstance): readonly RouteEntry[] {
  return routesOfApp.get(app) ?? [];
}

function databaseUnavailable(): HttpError {
  return new HttpError(503, 'database_unavailable', `the database does not answer (nothing of the request was committed); try again in ${DATABASE_RETRY_AFTER_S} s`, undefined, {
    'retry-after': String(DATABASE_RETRY_AFTER_S),
  });
}

/**
 * Fastify's own errors (parser, limits) are mapped to our codes, so that every answer that is
 * not 2xx has the errorBody shape, whoever raised it.
 */
function toHttpError(err: FastifyError, bodyLimitBytes: number): HttpError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'body_too_large', `request body is larger than the limit of ${bodyLimitBytes} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'unsupported_media_type', 'send the body as JSON with "Content-Type: application/json"');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HttpError(400, 'invalid_body', 'request body is empty; expected a JSON object', [
        { path: '(root)', message: 'empty body' },
      ]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's parser (kept for its __proto__ poisoning guard) does not say where the JSON broke.
      return new HttpError(400, 'invalid_body', 'request body is not valid JSON', [{ path: '(root)', message: 'not valid JSON' }]);
    default:
      break;
  }
  // Other client errors fastify knows (bad content-length, ...): keep its status, our shape.
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return new HttpError(status, 'bad_request', err.message);
  return undefined;
}

export function buildCloudServer(options: CloudServerOptions): FastifyInstance {
  // Widened to fastify's logger interface so that routes take a plain FastifyInstance.
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = fastify({ loggerInstance, logController: new DebugAccessLog(), bodyLimit: options.bodyLimitBytes });
  // JSON only: with fastify's default text/plain parser a text body would reach the schema as a
  // string and be answered "expected object", which hides the real mistake.
  app.removeContentTypeParser('text/plain');

  const routes: RouteEntry[] = [];
  routesOfApp.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const rejected = (route: string | undefined, reason: string) => options.onRejected?.(route ?? 'unmatched', reason);

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const route = request.routeOptions.url;
    if (!(err instanceof HttpError) && isDatabaseUnavailable(err)) {
      // A stopped or restarting database is an outage to wait out, not a bug: 503, not 500.
      request.log.warn({ err }, 'database unavailable');
      const unavailable = databaseUnavailable();
      rejected(route, unavailable.code);
      return reply.code(503).headers(unavailable.headers).send(unavailable.toBody());
    }
    // A route may set a body limit of its own (readings); the message names the one that applied.
    const httpError = err instanceof HttpError ? err : toHttpError(err, request.routeOptions.bodyLimit ?? options.bodyLimitBytes);
    if (httpError) {
      // A rejection means a gateway or reader is misconfigured, too fast or sending garbage.
      request.log.warn({ status: httpError.statusCode, error: httpError.code, method: request.method, url: redactUrl(request.url) }, httpError.message);
      rejected(route, httpError.code);
      return reply.code(httpError.statusCode).headers(httpError.headers).send(httpError.toBody());
    }
    // The stack goes to the log only: it names files and libraries a client has no use for.
    request.log.error({ err }, 'request failed');
    rejected(route, 'internal_error');
    const body: ErrorBody = { error: 'internal_error', message: `internal error; the server log has request ${request.id}` };
    return reply.code(500).send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    rejected(undefined, 'not_found');
    const body: ErrorBody = { error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` };
    return reply.code(404).send(body);
  });

  app.get('/healthz', async (request, reply) => {
    try {
      await options.healthCheck();
      return { status: 'ok' };
    } catch (err) {
      // Whatever the check hit (refused, timed out, terminated), the answer names no internals.
      request.log.warn({ err }, 'health check failed');
      const unavailable = databaseUnavailable();
      rejected('/healthz', unavailable.code);
      return reply.code(503).headers(unavailable.headers).send(unavailable.toBody());
    }
  });

  for (const addRoutes of options.routes) addRoutes(app);
  return app;
}
