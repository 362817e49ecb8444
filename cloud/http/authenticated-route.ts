import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AuthResult } from './auth.js';
import { invalidInput, unauthorized } from './errors.js';
import type { RateLimiter } from './rate-limit.js';
import { rateLimited } from './rate-limited.js';

/**
 * Who presents the token: a gateway (posts alerts and readings), a reader (dispatch consoles, the
 * CLI; tokens in cloud.yaml), or a user of the registry (a grid worker, a dispatcher; tokens in
 * the database, bound to their places).
 */
export type Role = 'gateway' | 'reader' | 'user';

/** What the handler of an authenticated route is given: the request, checked. */
export interface AuthenticatedRequest<Body, Query> {
  request: FastifyRequest;
  /** Who the token belongs to: the gateway id, the reader name. */
  principal: string;
  /** The body as its schema parsed it; undefined when the route has no body schema. */
  body: Body;
  /** The query string as its schema parsed it; undefined when the route has no query schema. */
  query: Query;
  /**
   * Takes `cost` items from the principal's rate limit, or throws 429 rate_limited taking
   * nothing. The handler calls it after its own checks, so that a refused request costs nothing.
   */
  spend(cost: number): void;
}

export interface AuthenticatedRouteOptions<B extends z.ZodType, Q extends z.ZodType, R> {
  method: 'GET' | 'POST';
  url: string;
  /** Names the token a 401 asks for. */
  role: Role;
  /** Checks an Authorization header against the tokens of `role`; the principal goes to the handler. */
  verify: (authorization: string | undefined) => AuthResult<string> | Promise<AuthResult<string>>;
  /** Schema of the body; a body that does not fit is answered 400 invalid_body. */
  body?: B;
  /** Schema of the query string; one that does not fit is answered 400 invalid_query. */
  query?: Q;
  /** Largest body of this route, in bytes. @default the server's bodyLimitBytes */
  bodyLimitBytes?: number;
  /** The per-principal limit that `spend` takes from, and what its items are called in the 429. */
  rateLimit?: { limiter: RateLimiter; items: 'alerts' | 'readings' };
  handler(input: AuthenticatedRequest<z.output<B>, z.output<Q>>): Promise<R>;
}

/**
 * Adds a route that only a known token of `role` may call: the token is checked before the body
 * is read (a stranger's megabyte is not even parsed), then body and query are validated. Every
 * refusal is an HttpError, and the server's single error handler answers it, as it answers a
 * database that does not answer with 503 database_unavailable.
 */
export function authenticatedRoute<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, R = unknown>(
  app: FastifyInstance,
  options: AuthenticatedRouteOptions<B, Q, R>,
): void {
  // Filled by the onRequest hook; a WeakMap rather than a decorated request keeps types local.
  const principalOf = new WeakMap<FastifyRequest, string>();
  app.route({
    method: options.method,
    url: options.url,
    ...(options.bodyLimitBytes !== undefined ? { bodyLimit: options.bodyLimitBytes } : {}),
    onRequest: async (request) => {
      const auth = await options.verify(request.headers.authorization);
      if (!auth.ok) throw unauthorized(auth.reason, options.role);
      principalOf.set(request, auth.principal);
    },
    handler: async (request) => {
      const principal = principalOf.get(request);
      if (principal === undefined) throw new Error('onRequest did not authenticate the request');
      const body = parseInput('body', options.body, request.body);
      const query = parseInput('query', options.query, { ...(request.query as object) });
      const spend = (cost: number) => {
        if (!options.rateLimit) throw new Error(`${options.method} ${options.url} has no rate limit to spend from`);
        const { limiter, items } = options.rateLimit;
        const allowed = limiter.take(principal, cost);
        if (!allowed.ok) throw rateLimited(principal, items, limiter.options, allowed.retryAfterS);
      };
      return options.handler({ request, principal, body, query, spend });
    },
  });
}

function parseInput<S extends z.ZodType>(what: 'body' | 'query', schema: S | undefined, value: unknown): z.output<S> {
  if (schema === undefined) return undefined as z.output<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(what, parsed.error);
  return parsed.data;
}
