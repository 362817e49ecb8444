import { z } from 'zod';
import { alertSchema } from '../../gateway/rules/alert.js';

/** Most alerts one request may carry; the uplink sends at most this many per batch. */
export const MAX_ALERTS_PER_REQUEST = 500;

/** Body of POST /v1/ingest/alerts. */
export const ingestAlertsRequestSchema = z
  .object({
    alerts: z.array(alertSchema).min(1).max(MAX_ALERTS_PER_REQUEST),
  })
  .strict();
export type IngestAlertsRequest = z.infer<typeof ingestAlertsRequestSchema>;

export const ingestAlertResultSchema = z.object({
  alertId: z.string(),
  /** created: first time the cloud saw this id; duplicate: already committed before. */
  status: z.enum(['created', 'duplicate']),
  /** The ticket the alert opened or was appended to; null for a clear with no open ticket. */
  ticketId: z.string().nullable(),
});

/** 200 answer of POST /v1/ingest/alerts: one result per alert, in request order, all committed. */
export const ingestAlertsResponseSchema = z.object({
  results: z.array(ingestAlertResultSchema),
});
export type IngestAlertsResponse = z.infer<typeof ingestAlertsResponseSchema>;

/** Body of every 4xx/5xx answer: a code a program can switch on and a message a person can act on. */
export const errorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
