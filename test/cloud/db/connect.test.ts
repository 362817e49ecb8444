import { join } from 'node:path';
import { Migrator, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { openCloudDb } from '../../../cloud/db/connect.js';
import { migrateToLatest, migrations } from '../../../cloud/db/migrations.js';
import { silentLogger } from '../../../lib/log.js';
import { makeTempDir } from '../../support/temp-dir.js';
import { createTestDatabase, engineAvailable } from '../test-db.js';

const logger = silentLogger();
const dir = makeTempDir('gridwatch-db-');
afterAll(() => dir.remove());

describe('openCloudDb', () => {
  test('without a URL it opens SQLite, and migrating twice changes nothing', async () => {
    const cloud = await openCloudDb({ sqlitePath: join(dir.path, 'nested', 'cloud.sqlite'), logger });
    try {
      expect(cloud.dialect).toBe('sqlite');
      await migrateToLatest(cloud.db, cloud.dialect, logger);
      await migrateToLatest(cloud.db, cloud.dialect, logger);
      const tables = (await cloud.db.introspection.getTables()).map((t) => t.name).sort();
      expect(tables).toEqual([
        'absences',
        'alerts',
        'api_tokens',
        'audit_log',
        'compounds',
        'devices',
        'emergency_contacts',
        'gateways',
        'household_tags',
        'households',
        'places',
        'reading_rollups_hourly',
        'reading_streams',
        'residents',
        'tags',
        'tickets',
        'user_places',
        'users',
      ]);
      // The tag dictionary is seeded once, not again by the second run.
      expect((await cloud.db.selectFrom('tags').select('id').execute()).length).toBe(8);
    } finally {
      await cloud.close();
      await cloud.close();
    }
  });

  test('tickets from before raises and clears were counted apart are recounted', async () => {
    const cloud = await openCloudDb({ sqlitePath: join(dir.path, 'recount.sqlite'), logger });
    try {
      const migrator = new Migrator({ db: cloud.db, provider: { getMigrations: () => Promise.resolve(migrations) } });
      expect((await migrator.migrateTo('0002-reading-streams-and-hourly-rollups')).error).toBeUndefined();
      await sql`insert into tickets (id, household_id, device_id, gateway_id, rule, grade, state, summary, opened_at_ms, updated_at_ms, alert_count)
        values ('t1', 'hh-1', 'noise-1', 'gw-1', 'night-noise', 'P3', 'open', 's', 0, 0, 3)`.execute(cloud.db);
      for (const [id, kind] of [['a1', 'raise'], ['a2', 'raise'], ['a3', 'clear']]) {
        await sql`insert into alerts (id, gateway_id, household_id, device_id, rule, kind, grade, at_ms, summary, details, received_at_ms, ticket_id)
          values (${id}, 'gw-1', 'hh-1', 'noise-1', 'night-noise', ${kind}, 'P3', 0, 's', '{}', 0, 't1')`.execute(cloud.db);
      }
      await migrateToLatest(cloud.db, cloud.dialect, logger);
      expect(await cloud.db.selectFrom('tickets').select(['alert_count', 'clear_count']).execute()).toEqual([{ alert_count: 2, clear_count: 1 }]);
    } finally {
      await cloud.close();
    }
  });

  test('a URL that is not PostgreSQL is refused', async () => {
    await expect(openCloudDb({ databaseUrl: 'mysql://db/x', sqlitePath: 'unused', logger })).rejects.toThrow(/postgres:\/\//);
  });
});

describe.skipIf(!engineAvailable('PostgreSQL'))('openCloudDb on PostgreSQL', () => {
  test('int8 comes back as a number on our pool only, never through the global pg.types', async () => {
    const database = await createTestDatabase('PostgreSQL');
    const cloud = await database.connect();
    try {
      expect(cloud.dialect).toBe('postgres');
      await migrateToLatest(cloud.db, cloud.dialect, logger);
      const { rows } = await sql<{ n: unknown; s: unknown }>`select 1763625600000::int8 as n, current_schema() as s`.execute(cloud.db);
      expect(rows).toEqual([{ n: 1763625600000, s: database.pgSchema }]);
      expect(pg.types.getTypeParser(20, 'text')('5')).toBe('5');
      await expect(sql`select 9007199254740993::int8 as n`.execute(cloud.db)).rejects.toThrow(/does not fit/);
    } finally {
      await cloud.close();
      await database.drop();
    }
  });
});
