import { join } from 'node:path';
import { VirtualClock } from '../lib/time/clock.js';
import { silentLogger } from '../lib/log.js';
import { generateToken } from '../lib/tokens.js';
import { cloudConfigSchema } from '../cloud/config.js';
import { startCloud } from '../cloud/main.js';
import { ingestAlertsResponseSchema, ingestReadingsResponseSchema } from '../contract/ingest-wire.js';
import type { Alert } from '../contract/alert.js';
import { makeTempDir } from '../test/support/temp-dir.js';

export interface IngestBenchOptions {
  /** PostgreSQL (the deployment database); without it, SQLite. */
  databaseUrl?: string;
  alerts: number;
  readings: number;
  /** Gateways posting at once, each one request at a time, as gateways do. */
  gateways: number;
  log: (line: string) => void;
}

const T0 = Date.parse('2026-11-23T00:00:00+08:00');

/**
 * Alerts and readings per second through the cloud's ingest over HTTP, as gateways post them:
 * alerts in batches of 100 (the uplink's default), every batch sent twice (the second answered
 * as duplicates: idempotency costs what it costs), readings in batches of 2,000. Each gateway
 * sends one request at a time; `gateways` of them at once. Tickets and rollups are real.
 */
export async function benchIngest(o: IngestBenchOptions): Promise<{ alertsPerS: number; readingsPerS: number; dialect: string }> {
  const dir = makeTempDir('gridwatch-bench-ingest-');
  const tokens = Array.from({ length: o.gateways }, () => generateToken());
  const cloud = await startCloud(
    cloudConfigSchema.parse({
      http: { host: '127.0.0.1', port: 0 },
      ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
      sqlitePath: join(dir.path, 'cloud.sqlite'),
      gateways: tokens.map((t, i) => ({ id: `gw-bench-${i}`, tokenSha256: t.sha256 })),
    }),
    // The cloud's clock a month after the readings' first: all 400,000 (4.6 days of them) are in its plausible window.
    { clock: new VirtualClock(T0 + 30 * 24 * 3_600_000), logger: silentLogger() },
  );
  const post = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${cloud.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };
  try {
    const run = Date.now().toString(36);
    // Alerts: each gateway its households; a raise and its clear per episode, so tickets open and close.
    const perGateway = Math.ceil(o.alerts / o.gateways / 100) * 100;
    const alertsStarted = performance.now();
    let alertsSent = 0;
    await Promise.all(
      tokens.map(async ({ token }, g) => {
        const gatewayId = `gw-bench-${g}`;
        for (let from = 0; from < perGateway; from += 100) {
          const batch: Alert[] = Array.from({ length: 100 }, (_, k) => {
            const n = from + k;
            const household = `hh-${g}-${Math.floor(n / 20) % 500}`;
            return {
              id: `${gatewayId}:sos:${household}:${run}-${n}:raise`,
              gatewayId,
              householdId: household,
              deviceId: `band-${household}`,
              rule: n % 2 === 0 ? 'sos' : 'fall',
              kind: 'raise',
              grade: 'P1',
              at: new Date(T0 + n * 1_000).toISOString(),
              summary: `bench alert ${n}`,
              details: {},
            };
          });
          for (let repeat = 0; repeat < 2; repeat++) {
            const answer = ingestAlertsResponseSchema.parse(await post('/v1/ingest/alerts', token, { alerts: batch }));
            if (answer.results.length !== batch.length) throw new Error('not every alert was answered');
          }
          alertsSent += batch.length;
        }
      }),
    );
    const alertsPerS = Math.round(alertsSent / ((performance.now() - alertsStarted) / 1000));
    o.log(`ingest alerts: ${alertsSent} distinct (each batch sent twice) in batches of 100 from ${o.gateways} gateways: ${alertsPerS}/s`);

    const readingsPerGateway = Math.ceil(o.readings / o.gateways / 2_000) * 2_000;
    const readingsStarted = performance.now();
    let readingsSent = 0;
    await Promise.all(
      tokens.map(async ({ token }, g) => {
        const stream = `bench-${run}-${g}`;
        for (let seq = 1; seq <= readingsPerGateway; seq += 2_000) {
          const readings = Array.from({ length: 2_000 }, (_, k) => ({
            seq: seq + k,
            householdId: `hh-${k % 500}`,
            deviceId: `wm-${k % 500}`,
            at: new Date(T0 + (seq + k) * 1_000).toISOString(),
            metrics: { volume_l: 1_000 + (seq + k) / 10, flow_lpm: 0, battery_pct: 90 },
          }));
          const answer = ingestReadingsResponseSchema.parse(await post('/v1/ingest/readings', token, { stream, readings }));
          if (answer.committedSeq !== seq + 1_999) throw new Error(`committed ${answer.committedSeq}, expected ${seq + 1_999}`);
          readingsSent += readings.length;
        }
      }),
    );
    const readingsPerS = Math.round(readingsSent / ((performance.now() - readingsStarted) / 1000));
    o.log(`ingest readings: ${readingsSent} in batches of 2,000 from ${o.gateways} gateways: ${readingsPerS}/s`);
    return { alertsPerS, readingsPerS, dialect: o.databaseUrl ? 'postgres' : 'sqlite' };
  } finally {
    await cloud.close();
    dir.remove();
  }
}
