import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../lib/time/clock.js';
import type { Database } from '../db/database.js';
import type { PlaceLevel } from '../db/registry-tables.js';
import { withTransactionRetry } from '../db/transaction-retry.js';
import { RegistryError } from './registry-error.js';
import {
  PLACE_LEVELS,
  absenceInputSchema,
  compoundInputSchema,
  householdInputSchema,
  placeInputSchema,
  type AbsenceInput,
  type CompoundInput,
  type HouseholdInput,
  type PlaceInput,
} from './registry-schemas.js';
import { ageAt, DEFAULT_TAGS } from './tag-dictionary.js';

export interface Place {
  id: string;
  parentId: string | null;
  level: PlaceLevel;
  name: string;
}

export interface Tag {
  id: string;
  labelZh: string;
  labelEn: string;
  derived: boolean;
}

export interface HouseholdRecord {
  id: string;
  gridId: string;
  compoundId: string | null;
  building: string;
  unit: string;
  room: string;
  address: string;
  lat: number | null;
  lon: number | null;
  /** Tags set by hand and tags derived from the residents (age), sorted. */
  tags: string[];
  residents: { name: string; phone: string | null; birthYear: number; birthMonth: number }[];
  contacts: { name: string; relation: string; phone: string; consent: boolean }[];
  absences: { id: string; from: number; until: number; reason: string; reportedBy: string }[];
}

/**
 * The registry: places (city down to the grid), compounds, the tag dictionary, households with
 * their residents, contacts and absences. Every input is checked with its zod schema and against
 * what exists (a grid that is a grid, tags in the dictionary) before anything is written; a
 * household is written whole in one transaction. The same on SQLite and PostgreSQL.
 */
export interface RegistryStore {
  addPlace(input: PlaceInput): Promise<Place>;
  /** The place and its ancestors, from it up to its city; empty when unknown. */
  placePath(id: string): Promise<Place[]>;
  addCompound(input: CompoundInput): Promise<void>;
  tags(): Promise<Tag[]>;
  /** Creates or replaces a household (its tags, residents and contacts with it); absences are kept. */
  saveHousehold(input: HouseholdInput): Promise<void>;
  household(id: string): Promise<HouseholdRecord | undefined>;
  /** Ids of the households under any of these places (a grid, or a community, street ... above grids). */
  householdsUnder(placeIds: readonly string[]): Promise<string[]>;
  reportAbsence(householdId: string, input: AbsenceInput, reportedBy: string): Promise<string>;
}

const parentLevel = (level: PlaceLevel): PlaceLevel | undefined => PLACE_LEVELS[PLACE_LEVELS.indexOf(level) - 1];
const MIN_AGE = new Map(DEFAULT_TAGS.filter((t) => t.minAge !== undefined).map((t) => [t.id, t.minAge!]));

export function createRegistryStore(db: Kysely<Database>, clock: Clock): RegistryStore {
  const now = () => clock.now();

  async function placeRow(q: Kysely<Database> | Transaction<Database>, id: string): Promise<Place | undefined> {
    const row = await q.selectFrom('places').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, parentId: row.parent_id, level: row.level, name: row.name };
  }

  /** The derived tags of residents, as of the clock's month (Asia/Shanghai). */
  function derivedTags(residents: readonly { birth_year: number; birth_month: number }[]): string[] {
    const local = new Date(now() + 8 * 3_600_000);
    const [year, month] = [local.getUTCFullYear(), local.getUTCMonth() + 1];
    const tags: string[] = [];
    for (const [id, minAge] of MIN_AGE) if (residents.some((r) => ageAt(r.birth_year, r.birth_month, year, month) >= minAge)) tags.push(id);
    return tags;
  }

  return {
    async addPlace(input) {
      const place = placeInputSchema.parse(input);
      const above = parentLevel(place.level);
      return withTransactionRetry(() =>
        db.transaction().execute(async (trx) => {
          if (await placeRow(trx, place.id)) throw new RegistryError('exists', 'id', `place ${place.id} exists already`);
          if (above === undefined) {
            if (place.parentId !== undefined) throw new RegistryError('wrong_level', 'parentId', 'a city has no parent place');
          } else {
            if (place.parentId === undefined) throw new RegistryError('wrong_level', 'parentId', `a ${place.level} needs its ${above} (parentId)`);
            const parent = await placeRow(trx, place.parentId);
            if (!parent) throw new RegistryError('unknown_place', 'parentId', `no place ${place.parentId}: add the ${above} first`);
            if (parent.level !== above) throw new RegistryError('wrong_level', 'parentId', `${place.parentId} is a ${parent.level}; a ${place.level} belongs to a ${above}`);
          }
          await trx.insertInto('places').values({ id: place.id, parent_id: place.parentId ?? null, level: place.level, name: place.name, created_at_ms: now() }).execute();
          return { id: place.id, parentId: place.parentId ?? null, level: place.level, name: place.name };
        }),
      );
    },

    async placePath(id) {
      const path: Place[] = [];
      for (let next: string | null = id; next !== null && path.length < PLACE_LEVELS.length; ) {
        const place = await placeRow(db, next);
        if (!place) break;
        path.push(place);
        next = place.parentId;
      }
      return path;
    },

    async addCompound(input) {
      const c = compoundInputSchema.parse(input);
      const community = await placeRow(db, c.communityId);
      if (!community) throw new RegistryError('unknown_place', 'communityId', `no place ${c.communityId}`);
      if (community.level !== 'community') throw new RegistryError('wrong_level', 'communityId', `${c.communityId} is a ${community.level}; a compound belongs to a community`);
      await db.insertInto('compounds').values({ id: c.id, community_id: c.communityId, name: c.name, address: c.address, lat: c.lat, lon: c.lon, created_at_ms: now() }).execute();
    },

    async tags() {
      const rows = await db.selectFrom('tags').selectAll().orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, labelZh: r.label_zh, labelEn: r.label_en, derived: r.derived === 1 }));
    },

    async saveHousehold(input) {
      const h = householdInputSchema.parse(input);
      await withTransactionRetry(() =>
        db.transaction().execute(async (trx) => {
          const grid = await placeRow(trx, h.gridId);
          if (!grid) throw new RegistryError('unknown_place', 'gridId', `no grid ${h.gridId}`);
          if (grid.level !== 'grid') throw new RegistryError('wrong_level', 'gridId', `${h.gridId} is a ${grid.level}, not a grid`);
          if (h.compoundId !== undefined && !(await trx.selectFrom('compounds').select('id').where('id', '=', h.compoundId).executeTakeFirst())) {
            throw new RegistryError('unknown_compound', 'compoundId', `no compound ${h.compoundId}`);
          }
          const known = new Map((await trx.selectFrom('tags').select(['id', 'derived']).execute()).map((t) => [t.id, t.derived === 1]));
          const tags = [...new Set(h.tags)];
          for (const [i, tag] of tags.entries()) {
            if (!known.has(tag)) throw new RegistryError('unknown_tag', `tags[${i}]`, `no tag ${tag} in the dictionary`);
            if (known.get(tag)) throw new RegistryError('derived_tag', `tags[${i}]`, `${tag} is derived from the residents' birth year and month; give those instead`);
          }
          const t = now();
          const row = {
            grid_id: h.gridId,
            compound_id: h.compoundId ?? null,
            building: h.building,
            unit: h.unit,
            room: h.room,
            address: h.address,
            lat: h.lat ?? null,
            lon: h.lon ?? null,
            updated_at_ms: t,
          };
          await trx
            .insertInto('households')
            .values({ id: h.id, ...row, created_at_ms: t })
            .onConflict((oc) => oc.column('id').doUpdateSet(row))
            .execute();
          await trx.deleteFrom('household_tags').where('household_id', '=', h.id).execute();
          await trx.deleteFrom('residents').where('household_id', '=', h.id).execute();
          await trx.deleteFrom('emergency_contacts').where('household_id', '=', h.id).execute();
          if (tags.length > 0) await trx.insertInto('household_tags').values(tags.map((tag_id) => ({ household_id: h.id, tag_id }))).execute();
          if (h.residents.length > 0) {
            await trx
              .insertInto('residents')
              .values(h.residents.map((r) => ({ id: randomUUID(), household_id: h.id, name: r.name, phone: r.phone ?? null, birth_year: r.birthYear, birth_month: r.birthMonth })))
              .execute();
          }
          if (h.contacts.length > 0) {
            await trx
              .insertInto('emergency_contacts')
              .values(h.contacts.map((c, position) => ({ id: randomUUID(), household_id: h.id, name: c.name, relation: c.relation, phone: c.phone, consent: c.consent ? 1 : 0, position })))
              .execute();
          }
        }),
      );
    },

    async household(id) {
      const row = await db.selectFrom('households').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const [tags, residents, contacts, absences] = await Promise.all([
        db.selectFrom('household_tags').select('tag_id').where('household_id', '=', id).execute(),
        db.selectFrom('residents').selectAll().where('household_id', '=', id).orderBy('birth_year').orderBy('name').execute(),
        db.selectFrom('emergency_contacts').selectAll().where('household_id', '=', id).orderBy('position').execute(),
        db.selectFrom('absences').selectAll().where('household_id', '=', id).orderBy('from_ms').execute(),
      ]);
      return {
        id: row.id,
        gridId: row.grid_id,
        compoundId: row.compound_id,
        building: row.building,
        unit: row.unit,
        room: row.room,
        address: row.address,
        lat: row.lat,
        lon: row.lon,
        tags: [...new Set([...tags.map((t) => t.tag_id), ...derivedTags(residents)])].sort(),
        residents: residents.map((r) => ({ name: r.name, phone: r.phone, birthYear: r.birth_year, birthMonth: r.birth_month })),
        contacts: contacts.map((c) => ({ name: c.name, relation: c.relation, phone: c.phone, consent: c.consent === 1 })),
        absences: absences.map((a) => ({ id: a.id, from: a.from_ms, until: a.until_ms, reason: a.reason, reportedBy: a.reported_by })),
      };
    },

    async householdsUnder(placeIds) {
      // Walk down from the places to their grids (at most four levels).
      let frontier = [...new Set(placeIds)];
      const grids = new Set<string>();
      for (let depth = 0; depth < PLACE_LEVELS.length && frontier.length > 0; depth++) {
        const rows = await db.selectFrom('places').select(['id', 'level']).where('id', 'in', frontier).execute();
        for (const r of rows) if (r.level === 'grid') grids.add(r.id);
        const children = await db.selectFrom('places').select('id').where('parent_id', 'in', frontier).execute();
        frontier = children.map((c) => c.id);
      }
      if (grids.size === 0) return [];
      const rows = await db.selectFrom('households').select('id').where('grid_id', 'in', [...grids]).orderBy('id').execute();
      return rows.map((r) => r.id);
    },

    async reportAbsence(householdId, input, reportedBy) {
      const a = absenceInputSchema.parse(input);
      if (!(await db.selectFrom('households').select('id').where('id', '=', householdId).executeTakeFirst())) {
        throw new RegistryError('unknown_household', 'householdId', `no household ${householdId}`);
      }
      const id = randomUUID();
      await db
        .insertInto('absences')
        .values({ id, household_id: householdId, from_ms: Date.parse(a.from), until_ms: Date.parse(a.until), reason: a.reason, reported_by: reportedBy, reported_at_ms: now() })
        .execute();
      return id;
    },
  };
}
