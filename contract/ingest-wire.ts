import { z } from 'zod';
import { idSchema } from '../lib/ids.js';
import { METRICS, metricSchema, plausibleRange, type Metric } from './metrics.js';
import { alertSchema } from './alert.js';
import { lineSchema } from './clean-text.js';

/** Most alerts one request may carry; the uplink sends at most this many per batch. */
export const MAX_ALERTS_PER_REQUEST = 500;

/**
 * An alert as the cloud takes it: the gateway's alert schema, with its summary cleaned of what a
 * store cannot hold (clean-text.ts), identically for SQLite and PostgreSQL.
 */
export const wireAlertSchema = alertSchema.extend({ summary: lineSchema(1, 500) });

/** Body of POST /v1/ingest/alerts. */
export const ingestAlertsRequestSchema = z
  .object({
    alerts: z.array(wireAlertSchema).min(1).max(MAX_ALERTS_PER_REQUEST),
  })
  .strict();
export type IngestAlertsRequest = z.infer<typeof ingestAlertsRequestSchema>;

export const ingestAlertResultSchema = z.object({
  alertId: z.string(),
  /** created: first time the cloud saw this id from this gateway; duplicate: this gateway delivered it (same content) before. */
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

/** Most readings one request may carry; the uplink sends at most this many per batch. */
export const MAX_READINGS_PER_REQUEST = 5_000;

/** One reading as a gateway recorded it: a device's metric values at one moment. */
export const wireReadingSchema = z
  .object({
    /** Position in the gateway's reading stream: strictly increasing, gaps where readings were dropped. */
    seq: z.number().int().positive(),
    householdId: idSchema,
    deviceId: idSchema,
    /** When the gateway took the reading, on its clock (ISO 8601 with offset). */
    at: z.iso.datetime({ offset: true }),
    /** The normalized vocabulary of contract/metrics.ts; at least one value, all finite. */
    metrics: z
      .partialRecord(metricSchema, z.number().finite())
      .refine((m) => Object.keys(m).length > 0, 'at least one metric')
      .superRefine((metrics, ctx) => {
        // Each metric within what it can physically be (contract/metrics.ts): 1e308 is a fault, not a reading.
        for (const [metric, value] of Object.entries(metrics) as Array<[Metric, number | undefined]>) {
          const [min, max] = plausibleRange(metric);
          if (value !== undefined && (value < min || value > max)) {
            ctx.addIssue({ code: 'custom', path: [metric], message: `${value} is outside the plausible range of ${metric}, ${min} to ${max} ${METRICS[metric].unit}`.trim() });
          }
        }
      }),
  })
  .strict();
export type WireReading = z.infer<typeof wireReadingSchema>;

/**
 * Body of POST /v1/ingest/readings. A gateway sends its readings in `seq` order, one request at
 * a time; `stream` names its reading stream (a random id made when its database was created), so
 * that a gateway whose database was wiped starts a new stream rather than repeating old seqs. The
 * cloud commits each (gateway, stream, seq) once: a resent batch is answered as duplicates.
 */
export const ingestReadingsRequestSchema = z
  .object({
    stream: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'the stream id the gateway made, 8-64 letters, digits, "-" or "_"'),
    readings: z.array(wireReadingSchema).min(1).max(MAX_READINGS_PER_REQUEST),
  })
  .strict()
  .superRefine((body, ctx) => {
    body.readings.forEach((r, i) => {
      if (i > 0 && r.seq <= body.readings[i - 1]!.seq) ctx.addIssue({ code: 'custom', path: ['readings', i, 'seq'], message: 'seq must increase within a batch' });
    });
  });
export type IngestReadingsRequest = z.infer<typeof ingestReadingsRequestSchema>;

/** 200 answer of POST /v1/ingest/readings: every reading up to `committedSeq` is committed (once). */
export const ingestReadingsResponseSchema = z.object({
  accepted: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  /** The highest seq of this stream the cloud has committed; the gateway may drop everything up to it. */
  committedSeq: z.number().int().nonnegative(),
});
export type IngestReadingsResponse = z.infer<typeof ingestReadingsResponseSchema>;
