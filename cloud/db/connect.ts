import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../lib/log.js';
import { openDurableSqlite } from '../../lib/sqlite.js';
import type { Database } from './database.js';

export type CloudDialect = 'sqlite' | 'postgres';

export interface OpenCloudDbOptions {
  /** A postgres:// or postgresql:// URL selects PostgreSQL; absent selects SQLite at `sqlitePath`. */
  databaseUrl?: string | undefined;
  /** SQLite file, created with its directory if missing. */
  sqlitePath: string;
  /**
   * PostgreSQL schema to work in (sets search_path on every connection). Tests give each run its
   * own; production uses the URL's default.
   */
  pgSchema?: string | undefined;
  /** Most PostgreSQL connections this pool opens. @default 10 (pg's default) */
  poolSize?: number | undefined;
  logger: Logger;
}

export interface CloudDb {
  db: Kysely<Database>;
  dialect: CloudDialect;
  close(): Promise<void>;
}

const PG_INT8_OID = 20;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * pg returns int8 as a string because it may exceed 2^53. Our int8 columns hold epoch
 * milliseconds and counts, far below that, so they come back as numbers; a value that would lose
 * precision fails loudly instead. Set per pool: the global pg.types would change every other pg
 * user in the process.
 */
function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} does not fit a JS number`);
  return n;
}

const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Opens the cloud database: PostgreSQL when a postgres URL is given, else a durable SQLite file. */
export async function openCloudDb(options: OpenCloudDbOptions): Promise<CloudDb> {
  const { databaseUrl, logger } = options;
  if (databaseUrl !== undefined && databaseUrl !== '') {
    if (!isPostgresUrl(databaseUrl)) {
      throw new Error('databaseUrl must start with postgres:// or postgresql:// (SQLite is chosen by leaving it out)');
    }
    if (options.pgSchema !== undefined && !SCHEMA_NAME.test(options.pgSchema)) {
      throw new Error(`pgSchema "${options.pgSchema}" must be a lower-case SQL identifier`);
    }
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      types: pgTypes,
      // A stopped server should fail a health check in seconds, not hang it.
      connectionTimeoutMillis: 5_000,
      ...(options.poolSize !== undefined ? { max: options.poolSize } : {}),
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    // A client losing its server emits 'error'; unhandled, that would end the process. The pool
    // listens only while a client is idle, and Kysely not at all while it holds one (between the
    // statements of a transaction, say): a PostgreSQL restart under load would then kill the
    // cloud. So every client gets a listener for its whole life. The statement in flight fails
    // on its own, and the request is answered 503 database_unavailable.
    pool.on('connect', (client) => {
      client.on('error', (err) => logger.warn({ err }, 'PostgreSQL connection lost'));
    });
    pool.on('error', () => {
      // Already logged by the client's own listener above.
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: once(() => db.destroy()) };
  }
  const sqlite = openDurableSqlite(options.sqlitePath);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: once(() => db.destroy()) };
}

/** The cheapest query that proves the database answers (used by /healthz). */
export async function pingDb(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
