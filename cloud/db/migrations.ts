import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { Logger } from '../../lib/log.js';
import type { CloudDialect } from './connect.js';
import { OPEN_TICKET_PREDICATE, type Database } from './database.js';
import { registryMigration } from './migration-0007-registry.js';
import { usersAndAuditMigration } from './migration-0008-users-and-audit.js';
import { gatewaysAndDevicesMigration } from './migration-0009-gateways-and-devices.js';

/**
 * Migrations live in code (not files found at run time), so the bundle and the tests always carry
 * exactly the schema they were written for. Each one must run on SQLite and PostgreSQL alike:
 * only text / integer / bigint / double precision columns (SQLite gives the last REAL affinity),
 * no engine-specific DDL. Names sort in order of application.
 */
export const migrations: Record<string, Migration> = {
  '0001-tickets-and-alerts': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tickets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('household_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('grade', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('opened_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('alert_count', 'integer', (c) => c.notNull())
        .execute();
      // One open ticket per household + rule (DESIGN.md section 6): repeats append to it. Enforced
      // here rather than only in code because ingest runs as several replicas.
      await db.schema
        .createIndex('tickets_one_open_per_household_rule')
        .on('tickets')
        .columns(['household_id', 'rule'])
        .unique()
        .where(sql.raw<boolean>(OPEN_TICKET_PREDICATE))
        .execute();
      await db.schema.createIndex('tickets_opened_at').on('tickets').columns(['opened_at_ms', 'id']).execute();

      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('household_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('grade', 'text', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('ticket_id', 'text', (c) => c.references('tickets.id'))
        .execute();
      await db.schema.createIndex('alerts_ticket_id').on('alerts').column('ticket_id').execute();
    },
  },
  '0002-reading-streams-and-hourly-rollups': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('reading_streams')
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('stream', 'text', (c) => c.notNull())
        .addColumn('committed_seq', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('reading_streams_pk', ['gateway_id', 'stream'])
        .execute();

      await db.schema
        .createTable('reading_rollups_hourly')
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('hour_start_ms', 'bigint', (c) => c.notNull())
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('household_id', 'text', (c) => c.notNull())
        .addColumn('sample_count', 'bigint', (c) => c.notNull())
        .addColumn('value_sum', 'double precision', (c) => c.notNull())
        .addColumn('value_min', 'double precision', (c) => c.notNull())
        .addColumn('value_max', 'double precision', (c) => c.notNull())
        .addColumn('last_value', 'double precision', (c) => c.notNull())
        .addColumn('last_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('reading_rollups_hourly_pk', ['device_id', 'metric', 'hour_start_ms'])
        .execute();
      // The console asks "this household, these hours".
      await db.schema
        .createIndex('reading_rollups_hourly_household')
        .on('reading_rollups_hourly')
        .columns(['household_id', 'hour_start_ms'])
        .execute();
    },
  },
  // alert_count counted raises and clears alike: "one alert" read as two once the condition
  // ended. Raises and clears are counted apart from here on, older tickets recounted.
  '0003-ticket-clear-count': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tickets').addColumn('clear_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await sql`update tickets set clear_count = (select count(*) from alerts where alerts.ticket_id = tickets.id and alerts.kind = 'clear')`.execute(db);
      await sql`update tickets set alert_count = alert_count - clear_count`.execute(db);
    },
  },
  // Alerts were idempotent on their id alone, and ids are predictable: another gateway posting
  // an id first made the real alert a "duplicate" that opened no ticket. An id is now the
  // sending gateway's own: the key is (gateway_id, id). SQLite cannot change a primary key in
  // place, so the table is copied (on both engines alike); every row keeps its gateway_id.
  '0004-alerts-keyed-by-gateway': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('alerts_by_gateway')
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('household_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('grade', 'text', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('ticket_id', 'text', (c) => c.references('tickets.id'))
        .addPrimaryKeyConstraint('alerts_by_gateway_pk', ['gateway_id', 'id'])
        .execute();
      const columns = 'gateway_id, id, household_id, device_id, rule, kind, grade, at_ms, summary, details, received_at_ms, ticket_id';
      await sql`insert into alerts_by_gateway (${sql.raw(columns)}) select ${sql.raw(columns)} from alerts`.execute(db);
      await db.schema.dropTable('alerts').execute();
      await db.schema.alterTable('alerts_by_gateway').renameTo('alerts').execute();
      await db.schema.createIndex('alerts_ticket_id').on('alerts').column('ticket_id').execute();
    },
  },
  // A gateway token wrote anywhere: an alert for another gateway's household appended to that
  // gateway's ticket, and a reading for a device named like another gateway's merged into its
  // hourly rollup. Every ticket and rollup is bound to the gateway that sent it from here on
  // (the old keys were narrower, so existing rows stay unique; rollups are copied, as SQLite
  // cannot change a primary key in place).
  '0005-tickets-and-rollups-keyed-by-gateway': {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('tickets_one_open_per_household_rule').execute();
      await db.schema
        .createIndex('tickets_one_open_per_gateway_household_rule')
        .on('tickets')
        .columns(['gateway_id', 'household_id', 'rule'])
        .unique()
        .where(sql.raw<boolean>(OPEN_TICKET_PREDICATE))
        .execute();

      await db.schema
        .createTable('rollups_by_gateway')
        .addColumn('gateway_id', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('hour_start_ms', 'bigint', (c) => c.notNull())
        .addColumn('household_id', 'text', (c) => c.notNull())
        .addColumn('sample_count', 'bigint', (c) => c.notNull())
        .addColumn('value_sum', 'double precision', (c) => c.notNull())
        .addColumn('value_min', 'double precision', (c) => c.notNull())
        .addColumn('value_max', 'double precision', (c) => c.notNull())
        .addColumn('last_value', 'double precision', (c) => c.notNull())
        .addColumn('last_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('rollups_by_gateway_pk', ['gateway_id', 'device_id', 'metric', 'hour_start_ms'])
        .execute();
      const columns = 'gateway_id, device_id, metric, hour_start_ms, household_id, sample_count, value_sum, value_min, value_max, last_value, last_at_ms';
      await sql`insert into rollups_by_gateway (${sql.raw(columns)}) select ${sql.raw(columns)} from reading_rollups_hourly`.execute(db);
      await db.schema.dropTable('reading_rollups_hourly').execute();
      await db.schema.alterTable('rollups_by_gateway').renameTo('reading_rollups_hourly').execute();
      await db.schema
        .createIndex('reading_rollups_hourly_household')
        .on('reading_rollups_hourly')
        .columns(['household_id', 'hour_start_ms'])
        .execute();
    },
  },
  // A household's meter that fell silent was appended to the ticket its wristband had opened
  // for the same rule, and nobody heard of the meter (issue 14). Device-health tickets are per
  // device from here on: a ticket has a subject (the device for a per-device rule, '' for a
  // per-household one), and the one open ticket is per gateway, household, rule and subject.
  // Existing tickets of those rules get their device as subject, so an open one keeps receiving
  // its device's alerts. The rules are listed as they stood at this migration (not imported from
  // alerts/ticket-subject.ts): a migration does what it did when it was written.
  '0006-ticket-subject': {
    async up(db: Kysely<unknown>) {
      const perDeviceRules = ['device-silent', 'low-battery', 'device-faulty'];
      await db.schema.alterTable('tickets').addColumn('subject', 'text', (c) => c.notNull().defaultTo('')).execute();
      await sql`update tickets set subject = device_id where rule in (${sql.join(perDeviceRules)})`.execute(db);
      await db.schema.dropIndex('tickets_one_open_per_gateway_household_rule').execute();
      await db.schema
        .createIndex('tickets_one_open_per_gateway_household_rule_subject')
        .on('tickets')
        .columns(['gateway_id', 'household_id', 'rule', 'subject'])
        .unique()
        .where(sql.raw<boolean>(OPEN_TICKET_PREDICATE))
        .execute();
    },
  },
  '0007-registry': registryMigration,
  '0008-users-and-audit': usersAndAuditMigration,
  '0009-gateways-and-devices': gatewaysAndDevicesMigration,
};

/**
 * Brings the schema up to date; throws (naming the failed migration) if one fails. Safe to run
 * from several replicas at once: Kysely takes a lock (an advisory lock on PostgreSQL).
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: CloudDialect, logger: Logger): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one; with several
  // schemas in one PostgreSQL database (tests, tenants) it would find another schema's table.
  const migrationTableSchema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) {
    if (r.status === 'Success') logger.info({ migration: r.migrationName }, 'database migrated');
  }
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(failed ? `database migration ${failed} failed: ${reason}` : `database migration failed: ${reason}`, {
      cause: error,
    });
  }
}
