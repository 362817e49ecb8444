import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { CloudConfigInput } from '../../cloud/config.js';
import { openCloudDb, type CloudDb } from '../../cloud/db/connect.js';
import type { Database } from '../../cloud/db/database.js';
import { migrateToLatest } from '../../cloud/db/migrations.js';
import { silentLogger } from '../../lib/log.js';
import { createTestSchema } from '../support/pg-schema.js';
import { requireService } from '../support/services.js';
import { tempDir } from '../support/temp-dir.js';

/** The cloud's two database engines, as the suites' titles name them. */
export type Engine = 'SQLite' | 'PostgreSQL';

/**
 * Whether a suite can run on `engine`: SQLite always, PostgreSQL when DATABASE_URL is set.
 * Locally a missing DATABASE_URL skips the suite; on CI (CI=true) it throws, failing the file
 * (requireService).
 */
export function engineAvailable(engine: Engine): boolean {
  return engine === 'SQLite' || requireService('DATABASE_URL') !== undefined;
}

/** The engines a suite for both runs on. */
export function testEngines(): Engine[] {
  return (['SQLite', 'PostgreSQL'] as const).filter(engineAvailable);
}

/** A fresh, empty database of one suite: a SQLite file in a temp dir, or a schema of its own on PostgreSQL. */
export interface TestDatabase {
  /** The PostgreSQL schema (where a Migrator keeps its table too); undefined on SQLite. */
  pgSchema: string | undefined;
  /** What a cloud config needs to reach it (the overrides of startTestCloud). */
  config: Pick<CloudConfigInput, 'databaseUrl' | 'sqlitePath'>;
  /** Opens a connection, not migrated: a pool of its own on PostgreSQL. */
  connect(): Promise<CloudDb>;
  /** Deletes it: drops the schema, or removes the file's directory. */
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  const logger = silentLogger();
  if (engine === 'SQLite') {
    // Removed by drop(), or after the test file should a test fail before it.
    const dir = tempDir('gridwatch-db-');
    const sqlitePath = join(dir, 'cloud.sqlite');
    return {
      pgSchema: undefined,
      config: { sqlitePath },
      connect: () => openCloudDb({ sqlitePath, logger }),
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const databaseUrl = requireService('DATABASE_URL');
  if (databaseUrl === undefined) throw new Error('DATABASE_URL is not set: skip the suite where engineAvailable("PostgreSQL") is false');
  const schema = await createTestSchema(databaseUrl);
  // The schema in the URL's search_path, as a cloud.yaml databaseUrl may carry it.
  const inSchema = new URL(databaseUrl);
  inSchema.searchParams.set('options', `-c search_path=${schema.name}`);
  return {
    pgSchema: schema.name,
    config: { databaseUrl: inSchema.toString() },
    connect: () => openCloudDb({ databaseUrl, pgSchema: schema.name, sqlitePath: 'unused', logger }),
    drop: () => schema.drop(),
  };
}

/** A fresh, migrated database of one store suite. */
export interface OpenedTestDb {
  db: Kysely<Database>;
  /**
   * What a second ingest replica would use to reach the same database, released by close().
   * On PostgreSQL its own pool: the two stores race on the server, as two replicas do. On SQLite
   * the same connection: one writer per file, and a second connection in this process would wait
   * for the file lock synchronously, blocking the event loop the first one needs to commit (real
   * SQLite deployments run one ingest process). So there the concurrency cases check the store's
   * logic under interleaving, not the engine's locks.
   */
  peer(): Promise<Kysely<Database>>;
  close(): Promise<void>;
}

export async function openTestDb(engine: Engine): Promise<OpenedTestDb> {
  const database = await createTestDatabase(engine);
  const main = await database.connect();
  await migrateToLatest(main.db, main.dialect, silentLogger());
  const peers: CloudDb[] = [];
  return {
    db: main.db,
    async peer() {
      if (engine === 'SQLite') return main.db;
      const peer = await database.connect();
      peers.push(peer);
      return peer.db;
    },
    async close() {
      await Promise.all([main, ...peers].map((c) => c.close()));
      await database.drop();
    },
  };
}
