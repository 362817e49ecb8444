import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactUrl } from '../../lib/net/redact-url.js';

/**
 * Fastify's per-request lines ("incoming request", "request completed") at debug instead of
 * info: a gateway posts readings every few seconds, and at info they buried the lines that need
 * a reader (9,124 lines in 2 minutes of the demo). `LOG_LEVEL=debug` brings them back, each
 * with its reqId, method, url, status and response time. Rejections and failures are logged by
 * the error handler (warn, error), not here.
 */
export class DebugAccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return;
    // Not fastify's own serializer: a token in the query string must not reach the log.
    const { method, hostname, ip } = request;
    request.log.debug({ req: { method, url: redactUrl(request.url), hostname, remoteAddress: ip } }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    // The response stream failed (the client went away mid-answer...): worth a line at any level.
    if (error) reply.log.warn({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
