import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ticketsQuerySchema, ticketsResponseSchema } from '../alerts/tickets-route.js';
import { householdResponseSchema } from '../registry/household-route.js';
import { healthBodySchema } from './server.js';
import {
  MAX_ALERTS_PER_REQUEST,
  MAX_READINGS_PER_REQUEST,
  errorBodySchema,
  ingestAlertsRequestSchema,
  ingestAlertsResponseSchema,
  ingestReadingsRequestSchema,
  ingestReadingsResponseSchema,
} from '../../contract/ingest-wire.js';

/**
 * The OpenAPI 3.1 document of the cloud API, served at GET /openapi.json. Every body schema is
 * generated from the zod schema the route validates with (z.toJSONSchema, JSON Schema 2020-12,
 * which OpenAPI 3.1 uses as is), so the document cannot drift from the code; cross-field rules
 * (seq increasing within a batch) are in the descriptions only, as JSON Schema cannot say them.
 */

/** The components, by name; request bodies in their input form (defaults optional). */
export const openApiSchemas = {
  IngestAlertsRequest: { schema: ingestAlertsRequestSchema, io: 'input' },
  IngestAlertsResponse: { schema: ingestAlertsResponseSchema, io: 'output' },
  IngestReadingsRequest: { schema: ingestReadingsRequestSchema, io: 'input' },
  IngestReadingsResponse: { schema: ingestReadingsResponseSchema, io: 'output' },
  TicketList: { schema: ticketsResponseSchema, io: 'output' },
  Household: { schema: householdResponseSchema, io: 'output' },
  Health: { schema: healthBodySchema, io: 'output' },
  Error: { schema: errorBodySchema, io: 'output' },
} as const satisfies Record<string, { schema: z.ZodType; io: 'input' | 'output' }>;

type SchemaName = keyof typeof openApiSchemas;

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName, example: unknown) => ({ 'application/json': { schema: ref(name), example } });

const AT = '2026-11-20T08:00:00+08:00';
const GATEWAY = 'gw-compound-12';

const examples = {
  alerts: {
    alerts: [
      {
        id: `${GATEWAY}:sos:band-402:1763596800000:raise`,
        gatewayId: GATEWAY,
        householdId: 'hh-12-3-402',
        deviceId: 'band-402',
        rule: 'sos',
        kind: 'raise',
        grade: 'P1',
        at: AT,
        summary: 'SOS pressed',
        details: { battery: 80 },
      },
    ],
  },
  alertsAnswer: { results: [{ alertId: `${GATEWAY}:sos:band-402:1763596800000:raise`, status: 'created', ticketId: '5f1d7c2e-3b9a-4c1e-9a57-2f6d0b8e4a11' }] },
  readings: {
    stream: 'Yc2tVb7wQm1x',
    readings: [
      { seq: 1041, householdId: 'hh-12-3-402', deviceId: 'water-103', at: AT, metrics: { volume_l: 12345.5, flow_lpm: 0, battery_pct: 91 } },
      { seq: 1042, householdId: 'site-7', deviceId: 'noise-7', at: '2026-11-20T08:00:01+08:00', metrics: { noise_dba: 58.4 } },
    ],
  },
  readingsAnswer: { accepted: 2, duplicates: 0, committedSeq: 1042 },
  tickets: {
    tickets: [
      {
        id: '5f1d7c2e-3b9a-4c1e-9a57-2f6d0b8e4a11',
        householdId: 'hh-12-3-402',
        deviceId: 'band-402',
        gatewayId: GATEWAY,
        rule: 'sos',
        grade: 'P1',
        state: 'open',
        summary: 'SOS pressed',
        openedAt: '2026-11-20T00:00:00.000Z',
        updatedAt: '2026-11-20T00:00:00.120Z',
        alertCount: 1,
        clearCount: 0,
      },
    ],
  },
};

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before sending the same request again', schema: { type: 'integer', minimum: 1 } } };

function error(description: string, example: z.input<typeof errorBodySchema>, headers?: object) {
  return { description, ...(headers ? { headers } : {}), content: json('Error', example) };
}

const ingestErrors = (items: 'alerts' | 'readings', fieldExample: string) => ({
  '400': error('The body is not valid; `issues` names each field', {
    error: 'invalid_body',
    message: `request body is not valid: ${fieldExample}: Invalid input: expected number, received string`,
    issues: [{ path: fieldExample, message: 'Invalid input: expected number, received string' }],
  }),
  '401': error('No gateway token, or an unknown one', { error: 'unauthorized', message: 'the bearer token is not a known gateway token' }, {
    'WWW-Authenticate': { schema: { type: 'string' } },
  }),
  '413': error('The body is over the size limit', { error: 'body_too_large', message: 'request body is larger than the limit of 1048576 bytes' }),
  '415': error('The body is not JSON', { error: 'unsupported_media_type', message: 'send the body as JSON with "Content-Type: application/json"' }),
  '429': error(
    `The gateway is over its rate limit (a token bucket per gateway, counted in ${items})`,
    { error: 'rate_limited', message: `gateway "${GATEWAY}" is over its limit of 10000 ${items}/s (bursts of 20000); send this batch again in 1 s` },
    retryAfter,
  ),
  '503': error(
    items === 'readings'
      ? 'The database (database_unavailable) or the telemetry store (telemetry_unavailable) does not answer; nothing was committed'
      : 'The database does not answer (database_unavailable); nothing was committed',
    { error: 'database_unavailable', message: 'the database does not answer (nothing of the request was committed); try again in 5 s' },
    retryAfter,
  ),
});

/** Builds the document; `routes` may not add anything the document does not list (a test checks). */
export function buildOpenApiDocument(): Record<string, unknown> {
  const schemas = Object.fromEntries(
    Object.entries(openApiSchemas).map(([name, { schema, io }]) => {
      const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io });
      return [name, jsonSchema];
    }),
  );
  const query = z.toJSONSchema(ticketsQuerySchema, { io: 'input' }) as { properties: Record<string, object> };

  return {
    openapi: '3.1.0',
    info: {
      title: 'gridwatch cloud API',
      version: '1',
      description: 'Ingest for gateways (alerts, readings), tickets for readers, households for registry users, health and metrics for operators.',
    },
    components: {
      schemas,
      securitySchemes: {
        gatewayToken: { type: 'http', scheme: 'bearer', description: 'A gateway token; cloud.yaml holds its SHA-256 (gateways[].tokenSha256)' },
        readerToken: { type: 'http', scheme: 'bearer', description: 'A reader token (console, CLI); cloud.yaml readers[].tokenSha256' },
        userToken: { type: 'http', scheme: 'bearer', description: "A registry user's API token (a grid worker, a dispatcher), bound to the places of the user's role" },
      },
    },
    paths: {
      '/v1/ingest/alerts': {
        post: {
          operationId: 'ingestAlerts',
          summary: `Commit a batch of up to ${MAX_ALERTS_PER_REQUEST} alerts, idempotently on (gateway, alert id)`,
          description:
            'Every alert must carry the token\'s own gatewayId (else 403). 200 means every alert of the batch is committed; a resent alert (same gateway, same id, same content) is answered "duplicate" with the ticket its first delivery got. An id is the sending gateway\'s own: the same id from another gateway is another alert. A known id with other content is answered 409 and nothing of the batch is committed.',
          security: [{ gatewayToken: [] }],
          requestBody: { required: true, content: json('IngestAlertsRequest', examples.alerts) },
          responses: {
            '200': { description: 'Every alert committed, one result per alert in request order', content: json('IngestAlertsResponse', examples.alertsAnswer) },
            ...ingestErrors('alerts', 'alerts[0].at'),
            '403': error('An alert of another gateway', {
              error: 'forbidden',
              message: 'alerts from another gateway: alerts[1].gatewayId: "gw-2" is not the token\'s gateway "gw-compound-12"',
              issues: [{ path: 'alerts[1].gatewayId', message: '"gw-2" is not the token\'s gateway "gw-compound-12"' }],
            }),
            '409': error('An alert id this gateway delivered before, with other content; nothing of the batch is committed (send the others again without it)', {
              error: 'alert_id_conflict',
              message: 'alert id already delivered by this gateway with other content (nothing of the batch is committed; send the others again without it): alerts[0].id: "gw-compound-12:sos:band-402:1:raise" was delivered before with a different at, summary',
              issues: [{ path: 'alerts[0].id', message: '"gw-compound-12:sos:band-402:1:raise" was delivered before with a different at, summary' }],
            }),
          },
        },
      },
      '/v1/ingest/readings': {
        post: {
          operationId: 'ingestReadings',
          summary: `Commit a batch of up to ${MAX_READINGS_PER_REQUEST} readings of one stream, each seq once`,
          description:
            'Readings in increasing seq order (checked), one request at a time per gateway. The cloud keeps per (gateway, stream) the highest committed seq; readings at or below it are duplicates. The rest go to the telemetry store (when configured) and then, in one transaction, to the hourly rollups as the mark advances. 200 means every reading up to committedSeq is committed.',
          security: [{ gatewayToken: [] }],
          requestBody: { required: true, content: json('IngestReadingsRequest', examples.readings) },
          responses: {
            '200': { description: 'Committed up to committedSeq', content: json('IngestReadingsResponse', examples.readingsAnswer) },
            ...ingestErrors('readings', 'readings[3].metrics.volume_l'),
          },
        },
      },
      '/v1/tickets': {
        get: {
          operationId: 'listTickets',
          summary: 'Tickets, ordered by opening time then id',
          security: [{ readerToken: [] }],
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: {
            '200': { description: 'The tickets that match', content: json('TicketList', examples.tickets) },
            '400': error('An unknown or invalid parameter', {
              error: 'invalid_query',
              message: 'request query is not valid: status: unknown parameter',
              issues: [{ path: 'status', message: 'unknown parameter' }],
            }),
            '401': error('No reader token, or an unknown one', { error: 'unauthorized', message: 'send "Authorization: Bearer <token>" with a reader token' }),
            '503': error('The database does not answer', { error: 'database_unavailable', message: 'the database does not answer (nothing of the request was committed); try again in 5 s' }, retryAfter),
          },
        },
      },
      '/v1/households/{id}': {
        get: {
          operationId: 'readHousehold',
          summary: "A household with its residents and contacts, within the places of the user's role; the read is audited with its reason",
          description:
            "Phones are whole for roles that call people (grid worker, community, street dispatcher) and masked (138****5678) for the others. A household outside the user's places, or one that does not exist, is 403; the refusal is audited too.",
          security: [{ userToken: [] }],
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'reason', in: 'query', required: true, schema: { type: 'string', maxLength: 200 }, description: 'Why the household is read (a ticket, a visit)' },
          ],
          responses: {
            '200': {
              description: 'The household',
              content: json('Household', {
                household: {
                  id: 'hh-101',
                  gridId: 'grid-3',
                  compoundId: 'cp-1',
                  building: '5',
                  unit: '2',
                  room: '301',
                  address: '愚园路 100 弄 5 号 301',
                  lat: 31.2407,
                  lon: 121.4489,
                  tags: ['aged-60-plus', 'aged-80-plus', 'living-alone'],
                  residents: [{ name: '王秀英', phone: '138****5678', birthYear: 1940, birthMonth: 3 }],
                  contacts: [{ name: '李娜', relation: '女儿', phone: '139****4321', consent: true }],
                  absences: [],
                },
              }),
            },
            '400': error('No reason given', { error: 'invalid_query', message: 'request query is not valid: reason: Invalid input: expected string, received undefined' }),
            '401': error('No user token, or an unknown, revoked or expired one', { error: 'unauthorized', message: 'send "Authorization: Bearer <token>" with a user token' }),
            '403': error("Outside the user's places", { error: 'forbidden', message: 'household hh-101 is not in the places of w4 (grid-worker)' }),
            '503': error('The database does not answer', { error: 'database_unavailable', message: 'the database does not answer (nothing of the request was committed); try again in 5 s' }, retryAfter),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'Whether the database answers (no token)',
          responses: {
            '200': { description: 'Healthy', content: json('Health', { status: 'ok' }) },
            '503': error('The database does not answer', { error: 'database_unavailable', message: 'the database does not answer (nothing of the request was committed); try again in 5 s' }, retryAfter),
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics in the text exposition format (no token: restrict it at the network if need be)',
          responses: {
            '200': {
              description: 'Counters of accepted, duplicate and rejected items by reason, ingest lag, telemetry write failures',
              content: { 'text/plain': { schema: { type: 'string' }, example: 'gridwatch_ingest_accepted_total{kind="readings"} 5000\n' } },
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
  };
}

/** GET /openapi.json; built once. */
export function openApiRoute(): (app: FastifyInstance) => void {
  const document = buildOpenApiDocument();
  return (app) => {
    app.get('/openapi.json', async () => document);
  };
}
