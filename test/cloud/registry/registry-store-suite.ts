import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ZodError } from 'zod';
import { createRegistryStore, type RegistryStore } from '../../../cloud/registry/registry-store.js';
import { RegistryError } from '../../../cloud/registry/registry-error.js';
import { VirtualClock } from '../../../lib/time/clock.js';
import { engineAvailable, openTestDb, type Engine, type OpenedTestDb } from '../test-db.js';
import { addJiangningPlaces, emptyRegistry } from './places-fixture.js';

/** 2026-12-07 10:00 in Shanghai. */
const NOW = Date.parse('2026-12-07T10:00:00+08:00');

const elder = { id: 'hh-101', gridId: 'grid-3', address: '愚园路 100 弄 5 号 301', residents: [{ name: '王秀英', phone: '13812345678', birthYear: 1940, birthMonth: 3 }] };

/** Both engines pass this one suite: the demo's SQLite and production's PostgreSQL keep the same registry. */
export function defineRegistryStoreSuite(engine: Engine): void {
  describe.skipIf(!engineAvailable(engine))(`registry store on ${engine}`, () => {
    let opened: OpenedTestDb;
    let store: RegistryStore;

    beforeAll(async () => {
      opened = await openTestDb(engine);
    });
    afterAll(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      await emptyRegistry(opened.db);
      store = createRegistryStore(opened.db, new VirtualClock(NOW));
      await addJiangningPlaces(store, ['grid-3']);
    });

    test('places nest city -> district -> street -> community -> grid, each under the level above it', async () => {
      expect((await store.placePath('grid-3')).map((p) => [p.level, p.name])).toEqual([
        ['grid', '网格 3'],
        ['community', '蒋家巷居委'],
        ['street', '江宁路街道'],
        ['district', '静安区'],
        ['city', '上海市'],
      ]);
      await expect(store.addPlace({ id: 'grid-9', parentId: 'jingan', level: 'grid', name: '网格 9' })).rejects.toMatchObject({ code: 'wrong_level', path: 'parentId' });
      await expect(store.addPlace({ id: 'grid-9', parentId: 'nowhere', level: 'grid', name: '网格 9' })).rejects.toMatchObject({ code: 'unknown_place' });
      await expect(store.addPlace({ id: 'grid-9', level: 'grid', name: '网格 9' })).rejects.toMatchObject({ code: 'wrong_level' });
      await expect(store.addPlace({ id: 'grid-3', parentId: 'comm-1', level: 'grid', name: 'again' })).rejects.toMatchObject({ code: 'exists' });
    });

    test('the tag dictionary comes with the ids the rules use and Chinese labels', async () => {
      const tags = await store.tags();
      expect(tags).toContainEqual({ id: 'living-alone', labelZh: '独居老人', labelEn: 'elder living alone', derived: false });
      expect(tags).toContainEqual(expect.objectContaining({ id: 'aged-80-plus', labelZh: '高龄(80岁以上)', derived: true }));
      expect(tags.map((t) => t.labelZh)).toEqual(expect.arrayContaining(['慢病', '残疾', '低保']));
    });

    test('a household is saved whole and read back; age tags are derived from birth year and month, as of the clock', async () => {
      await store.saveHousehold({
        ...elder,
        tags: ['living-alone', 'chronic-illness'],
        contacts: [{ name: '李娜', relation: '女儿', phone: '139 8765 4321', consent: true }],
      });
      const h = await store.household('hh-101');
      expect(h).toMatchObject({ id: 'hh-101', gridId: 'grid-3', lat: null, tags: ['aged-60-plus', 'aged-80-plus', 'chronic-illness', 'living-alone'] });
      expect(h!.residents).toEqual([{ name: '王秀英', phone: '13812345678', birthYear: 1940, birthMonth: 3 }]);
      expect(h!.contacts).toEqual([{ name: '李娜', relation: '女儿', phone: '13987654321', consent: true }]);
      // 80 in December 2026 only when born by December 1946.
      await store.saveHousehold({ ...elder, residents: [{ name: '张伟', birthYear: 1946, birthMonth: 12 }] });
      expect((await store.household('hh-101'))!.tags).toEqual(['aged-60-plus', 'aged-80-plus']);
      await store.saveHousehold({ ...elder, residents: [{ name: '张伟', birthYear: 1947, birthMonth: 1 }] });
      expect((await store.household('hh-101'))!.tags).toEqual(['aged-60-plus']);
    });

    test('saving again replaces tags, residents and contacts, and keeps the reported absences', async () => {
      await store.saveHousehold({ ...elder, tags: ['living-alone'] });
      const absence = await store.reportAbsence('hh-101', { from: '2026-12-10T08:00:00+08:00', until: '2026-12-14T18:00:00+08:00', reason: '住院' }, 'worker-1');
      await store.saveHousehold({ ...elder, tags: ['disability'], residents: [] });
      const h = await store.household('hh-101');
      expect(h!.tags).toEqual(['disability']);
      expect(h!.residents).toEqual([]);
      expect(h!.absences).toEqual([{ id: absence, from: Date.parse('2026-12-10T08:00:00+08:00'), until: Date.parse('2026-12-14T18:00:00+08:00'), reason: '住院', reportedBy: 'worker-1' }]);
    });

    test('what does not fit is refused, naming the field, and nothing of the household is written', async () => {
      await expect(store.saveHousehold({ ...elder, gridId: 'comm-1' })).rejects.toMatchObject({ code: 'wrong_level', path: 'gridId' });
      await expect(store.saveHousehold({ ...elder, tags: ['living-alone', 'no-such-tag'] })).rejects.toMatchObject({ code: 'unknown_tag', path: 'tags[1]' });
      await expect(store.saveHousehold({ ...elder, tags: ['aged-80-plus'] })).rejects.toMatchObject({ code: 'derived_tag', path: 'tags[0]' });
      await expect(store.saveHousehold({ ...elder, compoundId: 'none' })).rejects.toBeInstanceOf(RegistryError);
      // Outside input that does not parse: a zod error naming the field.
      const badPhone = store.saveHousehold({ ...elder, residents: [{ name: '王秀英', phone: '12345', birthYear: 1940, birthMonth: 3 }] });
      await expect(badPhone).rejects.toBeInstanceOf(ZodError);
      await expect(badPhone).rejects.toThrow(/residents/);
      // An ID-card number is never taken, even where a name goes.
      await expect(store.saveHousehold({ ...elder, residents: [{ name: '11010519491231002X', birthYear: 1949, birthMonth: 12 }] })).rejects.toThrow(/ID-card number/);
      expect(await store.household('hh-101')).toBeUndefined();
    });

    test('households under a place: a grid, or anything above it', async () => {
      await store.addPlace({ id: 'grid-4', parentId: 'comm-1', level: 'grid', name: '网格 4' });
      await store.saveHousehold(elder);
      await store.saveHousehold({ ...elder, id: 'hh-102', gridId: 'grid-4' });
      expect(await store.householdsUnder(['grid-3'])).toEqual(['hh-101']);
      expect(await store.householdsUnder(['jiangning'])).toEqual(['hh-101', 'hh-102']);
      expect(await store.householdsUnder(['sh'])).toEqual(['hh-101', 'hh-102']);
      expect(await store.householdsUnder(['nowhere'])).toEqual([]);
    });

    test('compounds belong to a community; a household may name one', async () => {
      await store.addCompound({ id: 'cp-1', communityId: 'comm-1', name: '蒋家巷小区', address: '蒋家巷 1 号', lat: 31.2406, lon: 121.4488 });
      await expect(store.addCompound({ id: 'cp-2', communityId: 'grid-3', name: 'x', address: 'x', lat: 31, lon: 121 })).rejects.toMatchObject({ code: 'wrong_level' });
      await store.saveHousehold({ ...elder, compoundId: 'cp-1', building: '5', unit: '2', room: '301', lat: 31.2407, lon: 121.4489 });
      expect(await store.household('hh-101')).toMatchObject({ compoundId: 'cp-1', building: '5', unit: '2', room: '301', lat: 31.2407, lon: 121.4489 });
    });

    test('an absence needs a known household and an end after its start', async () => {
      await expect(store.reportAbsence('hh-404', { from: '2026-12-10T08:00:00+08:00', until: '2026-12-11T08:00:00+08:00' }, 'worker-1')).rejects.toMatchObject({ code: 'unknown_household' });
      await store.saveHousehold(elder);
      await expect(store.reportAbsence('hh-101', { from: '2026-12-10T08:00:00+08:00', until: '2026-12-09T08:00:00+08:00' }, 'worker-1')).rejects.toThrow(/until must be after from/);
    });
  });
}
