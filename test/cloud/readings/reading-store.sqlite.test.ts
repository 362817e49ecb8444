import { join } from 'node:path';
import { openCloudDb } from '../../../cloud/db/connect.js';
import { migrateToLatest } from '../../../cloud/db/migrations.js';
import { silentLogger } from '../../../lib/log.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { defineReadingStoreSuite } from './reading-store-suite.js';

defineReadingStoreSuite('SQLite', {
  async open() {
    const dir = makeTempDir('gridwatch-readings-');
    const logger = silentLogger();
    const cloud = await openCloudDb({ sqlitePath: join(dir.path, 'cloud.sqlite'), logger });
    await migrateToLatest(cloud.db, cloud.dialect, logger);
    return {
      db: cloud.db,
      // One writer per SQLite file, one ingest process: the "replica" shares the connection, so
      // the race cases check the store's logic under interleaving, not the engine's locks.
      peer: () => Promise.resolve(cloud.db),
      async close() {
        await cloud.close();
        dir.remove();
      },
    };
  },
});
