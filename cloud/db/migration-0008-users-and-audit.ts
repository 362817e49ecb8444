import type { Kysely, Migration } from 'kysely';

/** Users with roles bound to places, their API tokens (hashed), and the append-only audit log of personal-data reads. */
export const usersAndAuditMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('phone', 'text')
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('user_places')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('place_id', 'text', (c) => c.notNull().references('places.id'))
      .addPrimaryKeyConstraint('user_places_pk', ['user_id', 'place_id'])
      .execute();
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('expires_at_ms', 'bigint')
      .addColumn('revoked_at_ms', 'bigint')
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at_ms', 'bigint', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_subject').on('audit_log').columns(['subject', 'at_ms']).execute();
    await db.schema.createIndex('audit_log_user').on('audit_log').columns(['user_id', 'at_ms']).execute();
  },
};
