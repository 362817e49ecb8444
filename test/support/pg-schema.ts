import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestSchema {
  /** A fresh, empty schema name; connect with search_path set to it. */
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates a schema of its own for one suite run, so runs (and parallel workers) never see each
 * other's rows, and nothing is left in the database afterwards.
 */
export async function createTestSchema(databaseUrl: string, prefix = 'gw_test'): Promise<TestSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await runAdmin(databaseUrl, `create schema ${name}`);
  return { name, drop: () => runAdmin(databaseUrl, `drop schema if exists ${name} cascade`) };
}

async function runAdmin(databaseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
