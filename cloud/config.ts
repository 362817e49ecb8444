import { z } from 'zod';
import { idSchema } from '../lib/ids.js';
import { sha256HexSchema } from '../lib/tokens.js';
import { loadConfigFile } from '../lib/config-file.js';
import { isPostgresUrl } from './db/connect.js';
import { MAX_ALERTS_PER_REQUEST, MAX_READINGS_PER_REQUEST } from '../contract/ingest-wire.js';

const tokenSha256Schema = sha256HexSchema;

/**
 * Where readings go besides the hourly rollups: an InfluxDB-compatible store (InfluxDB 2/3, or
 * VictoriaMetrics, which takes the same /api/v2/write). Absent: rollups only.
 */
export const telemetryConfigSchema = z
  .object({
    /** Base URL of the store, e.g. http://victoriametrics:8428 or https://influx.example.org */
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL of the telemetry store' }),
    /** InfluxDB organisation (VictoriaMetrics ignores it). */
    org: z.string().min(1),
    /** InfluxDB bucket (VictoriaMetrics ignores it). */
    bucket: z.string().min(1),
    /** InfluxDB API token; VictoriaMetrics needs none. */
    token: z.string().min(1).optional(),
    /** @default 5000: lines per write request (one line per reading) */
    batchSize: z.number().int().min(1).max(100_000).default(5_000),
    /** @default 2000: a write that has not answered by then counts as failed */
    timeoutMs: z.number().int().min(50).max(60_000).default(2_000),
    /** @default 3: tries per batch before the request is answered 503 telemetry_unavailable */
    attempts: z.number().int().min(1).max(10).default(3),
  })
  .strict();
export type TelemetryConfig = z.output<typeof telemetryConfigSchema>;

/** A token bucket: `burst` items at once, refilled at `perSecond`. */
const bucketSchema = (largestBatch: number) =>
  z
    .object({
      perSecond: z.number().positive(),
      /** Must hold the largest batch a gateway may send, or that batch could never pass. */
      burst: z.number().int().min(largestBatch, `at least ${largestBatch}, the largest batch a gateway may send`),
    })
    .strict();

/**
 * Far above what a building's gateway sends (a few alerts a minute, ~500 readings/s) and above
 * the catch-up after a day offline (5,000 alerts, 2,000,000 readings in ~20 s), yet a bound on
 * a gateway gone wild. Alerts are the life-safety lane: they are the last thing to throttle.
 */
const DEFAULT_RATE_LIMITS = {
  alerts: { perSecond: 10_000, burst: 20_000 },
  readings: { perSecond: 100_000, burst: 200_000 },
};

/**
 * cloud.yaml. Also accepts objects built in code (the demo, tests): everything but the token
 * lists has a default.
 */
export const cloudConfigSchema = z
  .object({
    http: z
      .object({
        /** @default "127.0.0.1": reachable from this machine only until you say otherwise */
        host: z.string().min(1).default('127.0.0.1'),
        /** @default 8080; 0 picks any free port (tests) */
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    /**
     * postgres:// or postgresql:// selects PostgreSQL; absent selects SQLite at sqlitePath.
     * loadCloudConfig fills it from DATABASE_URL when the file has none.
     */
    databaseUrl: z
      .string()
      .refine(isPostgresUrl, 'must start with postgres:// or postgresql:// (leave it out for SQLite)')
      .optional(),
    /** @default "./data/cloud.sqlite" */
    sqlitePath: z.string().min(1).default('./data/cloud.sqlite'),
    /** @default 1048576 (1 MiB: 500 alerts with room to spare) */
    bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
    /** Limit of POST /v1/ingest/readings. @default 8388608 (8 MiB: 5,000 readings of up to ~1.6 KB) */
    readingsBodyLimitBytes: z.number().int().min(1024).default(8_388_608),
    /**
     * Per gateway and route, counted in items (alerts, readings), kept per process: with N
     * replicas behind a load balancer a gateway may get up to N times as much.
     * @default alerts 10,000/s, bursts of 20,000; readings 100,000/s, bursts of 200,000
     */
    rateLimits: z
      .object({
        alerts: bucketSchema(MAX_ALERTS_PER_REQUEST).default(DEFAULT_RATE_LIMITS.alerts),
        readings: bucketSchema(MAX_READINGS_PER_REQUEST).default(DEFAULT_RATE_LIMITS.readings),
      })
      .strict()
      .default(DEFAULT_RATE_LIMITS),
    telemetry: telemetryConfigSchema.optional(),
    /** Gateways that may post alerts, each with its own token. */
    gateways: z.array(z.object({ id: idSchema, tokenSha256: tokenSha256Schema }).strict()).default([]),
    /** Readers of tickets (dispatch console, CLI). */
    readers: z.array(z.object({ name: idSchema, tokenSha256: tokenSha256Schema }).strict()).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const idAt = new Map<string, number>();
    config.gateways.forEach((g, i) => {
      const first = idAt.get(g.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['gateways', i, 'id'], message: `"${g.id}" is already gateways[${first}]` });
      else idAt.set(g.id, i);
    });
    const nameAt = new Map<string, number>();
    config.readers.forEach((r, i) => {
      const first = nameAt.get(r.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['readers', i, 'name'], message: `"${r.name}" is already readers[${first}]` });
      else nameAt.set(r.name, i);
    });
    // One token, one principal: a token shared by a gateway and a reader would let a gateway read tickets.
    const tokenAt = new Map<string, string>();
    const holders = [
      ...config.gateways.map((g, i) => ({ where: `gateways[${i}]`, path: ['gateways', i, 'tokenSha256'], sha: g.tokenSha256 })),
      ...config.readers.map((r, i) => ({ where: `readers[${i}]`, path: ['readers', i, 'tokenSha256'], sha: r.tokenSha256 })),
    ];
    for (const h of holders) {
      const first = tokenAt.get(h.sha);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: h.path, message: `the same token as ${first}; give each gateway and reader its own` });
      else tokenAt.set(h.sha, h.where);
    }
  });

/** What the schema accepts (defaults optional), e.g. for a config built in code. */
export type CloudConfigInput = z.input<typeof cloudConfigSchema>;
export type CloudConfig = z.output<typeof cloudConfigSchema>;

/**
 * Reads and validates cloud.yaml. Errors name the file and the field ("cloud.yaml:
 * gateways[0].tokenSha256: ..."). DATABASE_URL from `env` is used when the file sets no
 * databaseUrl (the usual way to hand a container its database).
 */
export function loadCloudConfig(file: string, env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const envUrl = env.DATABASE_URL;
  return loadConfigFile(cloudConfigSchema, file, 'cloud config', (raw) =>
    envUrl && isPlainObject(raw) && raw.databaseUrl === undefined ? { ...raw, databaseUrl: envUrl } : raw,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
