import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createAuditLog, type AuditLog } from '../../../cloud/registry/audit-log.js';
import { AccessDeniedError, createHouseholdReader, type HouseholdReader } from '../../../cloud/registry/household-reader.js';
import { createRegistryStore, type RegistryStore } from '../../../cloud/registry/registry-store.js';
import { createUserStore, type UserStore } from '../../../cloud/registry/user-store.js';
import { VirtualClock } from '../../../lib/time/clock.js';
import { engineAvailable, openTestDb, type Engine, type OpenedTestDb } from '../test-db.js';
import { addJiangningPlaces, emptyRegistry } from './places-fixture.js';

const NOW = Date.parse('2026-12-07T10:00:00+08:00');
const HOUR = 3_600_000;

/** Users bound to places, their passwords and tokens, and who may read which household (audited), on both engines. */
export function definePeopleAndAccessSuite(engine: Engine): void {
  describe.skipIf(!engineAvailable(engine))(`users, access and the audit log on ${engine}`, () => {
    let opened: OpenedTestDb;
    let clock: VirtualClock;
    let registry: RegistryStore;
    let users: UserStore;
    let audit: AuditLog;
    let reader: HouseholdReader;

    beforeAll(async () => {
      opened = await openTestDb(engine);
    });
    afterAll(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      const db = opened.db;
      await emptyRegistry(db);
      clock = new VirtualClock(NOW);
      registry = createRegistryStore(db, clock);
      users = createUserStore(db, clock);
      audit = createAuditLog(db, clock);
      reader = createHouseholdReader(db, registry, audit);
      await addJiangningPlaces(registry);
      await registry.saveHousehold({
        id: 'hh-101',
        gridId: 'grid-3',
        address: '愚园路 100 弄 5 号 301',
        tags: ['living-alone'],
        residents: [{ name: '王秀英', phone: '13812345678', birthYear: 1940, birthMonth: 3 }],
        contacts: [{ name: '李娜', relation: '女儿', phone: '13987654321', consent: true }],
      });
    });

    test('a role is bound to places of its level; an admin to none', async () => {
      await expect(users.addUser({ id: 'w1', name: '张网格', role: 'grid-worker', places: ['comm-1'] })).rejects.toMatchObject({ code: 'wrong_level', path: 'places[0]' });
      await expect(users.addUser({ id: 'w1', name: '张网格', role: 'grid-worker', places: [] })).rejects.toMatchObject({ code: 'wrong_level', path: 'places' });
      await expect(users.addUser({ id: 'a1', name: '管理员', role: 'admin', places: ['sh'] })).rejects.toMatchObject({ code: 'wrong_level' });
      await expect(users.addUser({ id: 'w1', name: '张网格', role: 'grid-worker', places: ['grid-9'] })).rejects.toMatchObject({ code: 'unknown_place' });
      expect(await users.addUser({ id: 'w1', name: '张网格', role: 'grid-worker', places: ['grid-3'] })).toEqual({ id: 'w1', name: '张网格', role: 'grid-worker', places: ['grid-3'] });
    });

    test('passwords are kept as argon2id and checked; a wrong one, an unknown user or a disabled one gets nobody', async () => {
      await users.addUser({ id: 'w1', name: '张网格', role: 'grid-worker', places: ['grid-3'], password: 'correct horse battery' });
      const row = await opened.db.selectFrom('users').select('password_hash').where('id', '=', 'w1').executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      expect(row.password_hash).not.toContain('correct horse');
      expect((await users.checkPassword('w1', 'correct horse battery'))?.id).toBe('w1');
      expect(await users.checkPassword('w1', 'wrong horse battery')).toBeUndefined();
      expect(await users.checkPassword('nobody', 'correct horse battery')).toBeUndefined();
      await users.disable('w1');
      expect(await users.checkPassword('w1', 'correct horse battery')).toBeUndefined();
    });

    test('an API token is shown once and kept as its SHA-256; revoked or expired, it lets nobody in', async () => {
      await users.addUser({ id: 'w1', name: '张网格', role: 'grid-worker', places: ['grid-3'] });
      const { id, token } = await users.issueToken('w1', 'phone', NOW + 24 * HOUR);
      const stored = await opened.db.selectFrom('api_tokens').select('token_sha256').where('id', '=', id).executeTakeFirstOrThrow();
      expect(stored.token_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.token_sha256).not.toBe(token);
      expect((await users.userForToken(token))?.id).toBe('w1');
      expect(await users.userForToken(`${token}x`)).toBeUndefined();
      await clock.advance(24 * HOUR);
      expect(await users.userForToken(token)).toBeUndefined();
      const second = await users.issueToken('w1', 'desk');
      await users.revokeToken(second.id);
      expect(await users.userForToken(second.token)).toBeUndefined();
    });

    test("a grid worker reads their grid's household, phones whole, and the read is audited with its reason", async () => {
      const worker = await users.addUser({ id: 'w3', name: '张网格', role: 'grid-worker', places: ['grid-3'] });
      const h = await reader.read(worker, 'hh-101', 'ticket T-1: no water since 08:00');
      expect(h.residents[0]!.phone).toBe('13812345678');
      expect(h.contacts[0]!.phone).toBe('13987654321');
      expect(await audit.trailOf('household:hh-101')).toEqual([
        { at: NOW, userId: 'w3', action: 'read', subject: 'household:hh-101', fields: ['residents', 'contacts'], reason: 'ticket T-1: no water since 08:00' },
      ]);
    });

    test("another grid's worker is refused, and the refusal is audited too", async () => {
      const other = await users.addUser({ id: 'w4', name: '李网格', role: 'grid-worker', places: ['grid-4'] });
      await expect(reader.read(other, 'hh-101', 'curious')).rejects.toBeInstanceOf(AccessDeniedError);
      expect((await audit.trailOf('household:hh-101')).map((e) => [e.userId, e.action])).toEqual([['w4', 'denied']]);
      expect(await reader.mayRead(other, 'hh-101')).toBe(false);
    });

    test('places above the grid cover it; roles that call nobody see phones masked; a read needs a reason', async () => {
      const street = await users.addUser({ id: 's1', name: '街道调度', role: 'street-dispatcher', places: ['jiangning'] });
      expect((await reader.read(street, 'hh-101', 'routing T-1')).residents[0]!.phone).toBe('13812345678');
      const district = await users.addUser({ id: 'd1', name: '区民政', role: 'district', places: ['jingan'] });
      await clock.advance(1_000);
      const seen = await reader.read(district, 'hh-101', 'monthly review');
      expect(seen.residents[0]!.phone).toBe('138****5678');
      expect(seen.contacts[0]!.phone).toBe('139****4321');
      const admin = await users.addUser({ id: 'a1', name: '管理员', role: 'admin' });
      await clock.advance(1_000);
      expect((await reader.read(admin, 'hh-101', 'account check')).residents[0]!.phone).toBe('138****5678');
      await expect(reader.read(admin, 'hh-101', '  ')).rejects.toThrow(/say why/);
      expect((await audit.trailOf('household:hh-101')).map((e) => e.userId)).toEqual(['s1', 'd1', 'a1']);
    });
  });
}
