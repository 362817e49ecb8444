import type { Kysely, Migration } from 'kysely';
import { DEFAULT_TAGS } from '../registry/tag-dictionary.js';

/**
 * The registry (cloud/registry/): places down to the grid, compounds, the tag dictionary (seeded
 * with the defaults), households with their tags, residents, emergency contacts and absences.
 */
export const registryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('places')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('parent_id', 'text', (c) => c.references('places.id'))
      .addColumn('level', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('places_parent').on('places').column('parent_id').execute();
    await db.schema
      .createTable('compounds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('community_id', 'text', (c) => c.notNull().references('places.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('lat', 'double precision', (c) => c.notNull())
      .addColumn('lon', 'double precision', (c) => c.notNull())
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('tags')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('label_zh', 'text', (c) => c.notNull())
      .addColumn('label_en', 'text', (c) => c.notNull())
      .addColumn('derived', 'integer', (c) => c.notNull())
      .execute();
    await db
      .insertInto('tags' as never)
      .values(DEFAULT_TAGS.map((t) => ({ id: t.id, label_zh: t.labelZh, label_en: t.labelEn, derived: t.minAge === undefined ? 0 : 1 })) as never)
      .execute();
    await db.schema
      .createTable('households')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('grid_id', 'text', (c) => c.notNull().references('places.id'))
      .addColumn('compound_id', 'text', (c) => c.references('compounds.id'))
      .addColumn('building', 'text', (c) => c.notNull())
      .addColumn('unit', 'text', (c) => c.notNull())
      .addColumn('room', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('lat', 'double precision')
      .addColumn('lon', 'double precision')
      .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('households_grid').on('households').column('grid_id').execute();
    await db.schema
      .createTable('household_tags')
      .addColumn('household_id', 'text', (c) => c.notNull().references('households.id'))
      .addColumn('tag_id', 'text', (c) => c.notNull().references('tags.id'))
      .addPrimaryKeyConstraint('household_tags_pk', ['household_id', 'tag_id'])
      .execute();
    await db.schema
      .createTable('residents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('household_id', 'text', (c) => c.notNull().references('households.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('phone', 'text')
      .addColumn('birth_year', 'integer', (c) => c.notNull())
      .addColumn('birth_month', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('residents_household').on('residents').column('household_id').execute();
    await db.schema
      .createTable('emergency_contacts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('household_id', 'text', (c) => c.notNull().references('households.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('relation', 'text', (c) => c.notNull())
      .addColumn('phone', 'text', (c) => c.notNull())
      .addColumn('consent', 'integer', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('emergency_contacts_household').on('emergency_contacts').column('household_id').execute();
    await db.schema
      .createTable('absences')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('household_id', 'text', (c) => c.notNull().references('households.id'))
      .addColumn('from_ms', 'bigint', (c) => c.notNull())
      .addColumn('until_ms', 'bigint', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('reported_by', 'text', (c) => c.notNull())
      .addColumn('reported_at_ms', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('absences_household').on('absences').columns(['household_id', 'until_ms']).execute();
  },
};
