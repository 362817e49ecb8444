import type { AddressInfo } from 'node:net';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { createTicketStore, type TicketStore } from './alerts/ticket-store.js';
import { ticketsRoute } from './alerts/tickets-route.js';
import type { CloudConfig } from './config.js';
import { openCloudDb, pingDb } from './db/connect.js';
import { migrateToLatest } from './db/migrations.js';
import { alertsRoute } from './ingest/alerts-route.js';
import { createTokenVerifier } from './ingest/auth.js';
import { buildCloudServer } from './ingest/server.js';

export interface CloudDeps {
  clock: Clock;
  logger: Logger;
}

export interface CloudHandle {
  /** http://host:port, with the port actually bound (config port 0 picks a free one). */
  url: string;
  port: number;
  store: TicketStore;
  /** Stops accepting requests, lets running ones finish, then closes the database. */
  close(): Promise<void>;
}

/** The cloud's composition root: database, schema, store, HTTP API. */
export async function startCloud(config: CloudConfig, deps: CloudDeps): Promise<CloudHandle> {
  const { clock, logger } = deps;
  const cloudDb = await openCloudDb({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath, logger });
  try {
    await migrateToLatest(cloudDb.db, cloudDb.dialect, logger);
    const store = createTicketStore(cloudDb.db, clock);
    const app = buildCloudServer({
      bodyLimitBytes: config.bodyLimitBytes,
      logger,
      healthCheck: () => pingDb(cloudDb.db),
      routes: [
        alertsRoute({
          sink: store,
          verifyGateway: createTokenVerifier(config.gateways.map((g) => ({ sha256: g.tokenSha256, principal: g.id }))),
        }),
        ticketsRoute({
          store,
          verifyReader: createTokenVerifier(config.readers.map((r) => ({ sha256: r.tokenSha256, principal: r.name }))),
        }),
      ],
    });
    await app.listen({ host: config.http.host, port: config.http.port });
    const { port } = app.server.address() as AddressInfo;
    const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
    const url = `http://${host}:${port}`;
    logger.info({ url, dialect: cloudDb.dialect, gateways: config.gateways.length }, 'cloud listening');

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      store,
      close: () =>
        (closing ??= (async () => {
          try {
            await app.close();
          } finally {
            await cloudDb.close();
          }
        })()),
    };
  } catch (err) {
    await cloudDb.close();
    throw err;
  }
}
