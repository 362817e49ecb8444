import { join } from 'node:path';
import { openCloudDb } from '../../../cloud/db/connect.js';
import { migrateToLatest } from '../../../cloud/db/migrations.js';
import { silentLogger } from '../../../lib/log.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { defineTicketStoreSuite } from './ticket-store-suite.js';

defineTicketStoreSuite('SQLite', {
  async open() {
    const dir = makeTempDir('gridwatch-store-');
    const logger = silentLogger();
    const cloud = await openCloudDb({ sqlitePath: join(dir.path, 'cloud.sqlite'), logger });
    await migrateToLatest(cloud.db, cloud.dialect, logger);
    return {
      db: cloud.db,
      // SQLite has one writer per file. A second connection in this same process would wait for
      // the file lock synchronously, blocking the event loop the first one needs to commit; real
      // SQLite deployments run one ingest process. So the "replica" shares the connection here,
      // and the concurrency cases check the store's logic under interleaving, not the engine.
      peer: () => Promise.resolve(cloud.db),
      async close() {
        await cloud.close();
        dir.remove();
      },
    };
  },
});
