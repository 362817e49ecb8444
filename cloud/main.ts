import { exampleSecretsWarning, isExampleDigest } from '../lib/example-secrets.js';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/time/clock.js';
import { listenError } from '../lib/net/listen.js';
import type { Logger } from '../lib/log.js';
import { createTicketStore, type TicketStore } from './alerts/ticket-store.js';
import { ticketsRoute } from './alerts/tickets-route.js';
import type { CloudConfig } from './config.js';
import { openCloudDb, pingDb, type CloudDb } from './db/connect.js';
import { migrateToLatest } from './db/migrations.js';
import { alertsRoute } from './ingest/alerts-route.js';
import { createTokenVerifier } from './http/auth.js';
import { IngestMetrics, metricsRoute } from './http/prometheus.js';
import { RateLimiter } from './http/rate-limit.js';
import { readingsRoute } from './ingest/readings-route.js';
import { buildCloudServer, routesOf, type RouteEntry } from './http/server.js';
import { openApiRoute } from './http/openapi.js';
import { createReadingStore, type ReadingStore } from './readings/reading-store.js';
import { InfluxTelemetryWriter } from './telemetry/influx-writer.js';
import { createRegistryStore, type RegistryStore } from './registry/registry-store.js';
import { createUserStore, type UserStore } from './registry/user-store.js';
import { createAuditLog } from './registry/audit-log.js';
import { createHouseholdReader } from './registry/household-reader.js';
import { householdRoute } from './registry/household-route.js';

export interface CloudDeps {
  clock: Clock;
  logger: Logger;
}

export interface CloudHandle {
  /** http://host:port, with the port actually bound (config port 0 picks a free one). */
  url: string;
  port: number;
  store: TicketStore;
  readings: ReadingStore;
  /** The registry (places, households) and its users: what `gridwatch provision` and the console will write. */
  registry: RegistryStore;
  users: UserStore;
  metrics: IngestMetrics;
  /** Every route the HTTP server has (for the OpenAPI test). */
  routes: readonly RouteEntry[];
  /** Stops accepting requests, lets running ones finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * PostgreSQL connections of the readings route: a pool of its own, so that a flood of readings
 * can never leave an alert waiting for a connection.
 */
const READINGS_POOL_SIZE = 4;

/** The cloud's composition root: database, schema, stores, telemetry writer, HTTP API. */
export async function startCloud(config: CloudConfig, deps: CloudDeps): Promise<CloudHandle> {
  const { clock, logger } = deps;
  const examples = [
    ...config.gateways.flatMap((g, i) => (isExampleDigest(g.tokenSha256) ? [`gateways[${i}].tokenSha256`] : [])),
    ...config.readers.flatMap((r, i) => (isExampleDigest(r.tokenSha256) ? [`readers[${i}].tokenSha256`] : [])),
  ];
  if (examples.length > 0) logger.warn({ keys: examples }, exampleSecretsWarning(examples));
  const cloudDb = await openCloudDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, logger });
  let readingsDb: CloudDb = cloudDb;
  let telemetry: InfluxTelemetryWriter | undefined;
  const closeAll = async () => {
    telemetry?.close();
    await Promise.all([cloudDb.close(), readingsDb.close()]);
  };
  try {
    await migrateToLatest(cloudDb.db, cloudDb.dialect, logger);
    // SQLite is one connection in one process: the readings share it.
    if (cloudDb.dialect === 'postgres') {
      readingsDb = await openCloudDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, poolSize: READINGS_POOL_SIZE, logger });
    }
    const store = createTicketStore(cloudDb.db, clock);
    const readings = createReadingStore(readingsDb.db, clock);
    const registry = createRegistryStore(cloudDb.db, clock);
    const users = createUserStore(cloudDb.db, clock);
    const householdReader = createHouseholdReader(cloudDb.db, registry, createAuditLog(cloudDb.db, clock));
    const metrics = new IngestMetrics();
    if (config.telemetry) {
      telemetry = new InfluxTelemetryWriter({
        config: config.telemetry,
        logger: logger.child({ component: 'telemetry' }),
        hooks: { written: (n) => metrics.telemetryWritten(n), retried: () => metrics.telemetryRetried(), failed: () => metrics.telemetryFailed() },
      });
    }
    const verifyGateway = createTokenVerifier(config.gateways.map((g) => ({ sha256: g.tokenSha256, principal: g.id })));
    // The limiters run on monotonic time: a step of the wall clock must not fill or empty them.
    const monotonic = () => clock.monotonic();
    const app = buildCloudServer({
      bodyLimitBytes: config.bodyLimitBytes,
      logger,
      healthCheck: () => pingDb(cloudDb.db),
      onRejected: (route, reason) => metrics.rejected(route, reason),
      routes: [
        alertsRoute({ sink: store, verifyGateway, limiter: new RateLimiter(config.rateLimits.alerts, monotonic), metrics, clock }),
        readingsRoute({
          committer: readings,
          telemetry,
          verifyGateway,
          limiter: new RateLimiter(config.rateLimits.readings, monotonic),
          bodyLimitBytes: config.readingsBodyLimitBytes,
          metrics,
          clock,
        }),
        ticketsRoute({
          store,
          verifyReader: createTokenVerifier(config.readers.map((r) => ({ sha256: r.tokenSha256, principal: r.name }))),
        }),
        householdRoute({ users, reader: householdReader }),
        metricsRoute(metrics),
        openApiRoute(),
      ],
    });
    await app.listen({ host: config.http.host, port: config.http.port }).catch((err: unknown) => {
      throw listenError(err, { host: config.http.host, port: config.http.port, configKey: 'http.port' });
    });
    const { port } = app.server.address() as AddressInfo;
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `http://${host}:${port}`;
    logger.info(
      { url, dialect: cloudDb.dialect, gateways: config.gateways.length, telemetry: config.telemetry ? new URL(config.telemetry.url).origin : null },
      'cloud listening',
    );

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      store,
      readings,
      registry,
      users,
      metrics,
      routes: routesOf(app),
      close: () =>
        (closing ??= (async () => {
          try {
            await app.close();
          } finally {
            await closeAll();
          }
        })()),
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
