import { sql, type Kysely, type Migration } from 'kysely';

/** Gateways and the devices provisioned on them, each transport identity held once among devices not retired. */
export const gatewaysAndDevicesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('gateways')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('compound_id', 'text', (c) => c.references('compounds.id'))
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('gateway_id', 'text', (c) => c.notNull().references('gateways.id'))
      .addColumn('household_id', 'text', (c) => c.references('households.id'))
      .addColumn('site_id', 'text')
      .addColumn('profile', 'text', (c) => c.notNull())
      .addColumn('room', 'text', (c) => c.notNull())
      .addColumn('transport_kind', 'text', (c) => c.notNull())
      .addColumn('transport_key', 'text', (c) => c.notNull())
      .addColumn('mqtt_password_sha256', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('devices_one_transport_identity')
      .on('devices')
      .columns(['gateway_id', 'transport_kind', 'transport_key'])
      .unique()
      .where(sql.raw<boolean>("status <> 'retired'"))
      .execute();
    await db.schema.createIndex('devices_gateway').on('devices').columns(['gateway_id', 'status']).execute();
    await db.schema.createIndex('devices_household').on('devices').column('household_id').execute();
  },
};
