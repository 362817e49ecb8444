import { openCloudDb, type CloudDb } from '../../../cloud/db/connect.js';
import { migrateToLatest } from '../../../cloud/db/migrations.js';
import { silentLogger } from '../../../lib/log.js';
import { createTestSchema } from '../../support/pg-schema.js';
import { requireService } from '../../support/services.js';
import { defineReadingStoreSuite } from './reading-store-suite.js';

const databaseUrl = requireService('DATABASE_URL');

defineReadingStoreSuite(
  'PostgreSQL',
  databaseUrl === undefined
    ? undefined
    : {
        async open() {
          const schema = await createTestSchema(databaseUrl);
          const logger = silentLogger();
          const connect = () => openCloudDb({ databaseUrl, pgSchema: schema.name, sqlitePath: 'unused', logger });
          const main = await connect();
          await migrateToLatest(main.db, main.dialect, logger);
          const peers: CloudDb[] = [];
          return {
            db: main.db,
            // Its own pool: the two stores race on the server, as two ingest replicas do.
            async peer() {
              const peer = await connect();
              peers.push(peer);
              return peer.db;
            },
            async close() {
              await Promise.all([main, ...peers].map((c) => c.close()));
              await schema.drop();
            },
          };
        },
      },
);
