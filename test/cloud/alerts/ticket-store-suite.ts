import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createTicketStore, type TicketStore } from '../../../cloud/alerts/ticket-store.js';
import { PER_DEVICE_RULES } from '../../../cloud/alerts/ticket-subject.js';
import { AlertIdConflictError } from '../../../cloud/ingest/alert-conflict.js';
import { VirtualClock } from '../../../lib/time/clock.js';
import { T0, makeAlert } from '../fixtures.js';
import { engineAvailable, openTestDb, type Engine, type OpenedTestDb } from '../test-db.js';

/**
 * Every ticket store backend passes this one suite (as MQTT.js tests its stores): the same
 * behaviour is what lets the demo run on SQLite and production on PostgreSQL.
 */
export function defineTicketStoreSuite(engine: Engine): void {
  describe.skipIf(!engineAvailable(engine))(`ticket store on ${engine}`, () => {
    let opened: OpenedTestDb;
    let clock: VirtualClock;
    let store: TicketStore;

    beforeAll(async () => {
      opened = await openTestDb(engine);
    });
    afterAll(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      await opened.db.deleteFrom('alerts').execute();
      await opened.db.deleteFrom('tickets').execute();
      clock = new VirtualClock(T0);
      store = createTicketStore(opened.db, clock);
    });

    test('the same alert delivered twice opens one ticket', async () => {
      const alert = makeAlert();
      const [first] = await store.recordAlerts([alert]);
      await clock.advance(5_000);
      const [second] = await store.recordAlerts([alert]);

      expect(first).toEqual({ alertId: alert.id, status: 'created', ticketId: expect.any(String) });
      expect(second).toEqual({ alertId: alert.id, status: 'duplicate', ticketId: first!.ticketId });
      const tickets = await store.listTickets();
      expect(tickets).toEqual([
        {
          id: first!.ticketId,
          householdId: 'hh-1',
          deviceId: 'water-1',
          gatewayId: 'gw-1',
          rule: 'no-water-use',
          grade: 'P2',
          state: 'open',
          summary: alert.summary,
          openedAt: alert.at,
          updatedAt: new Date(T0).toISOString(),
          alertCount: 1,
          clearCount: 0,
        },
      ]);
    });

    test("another gateway posting an alert's id first does not make the real alert a duplicate (issue 12)", async () => {
      // Ids are predictable (<gateway>:<rule>:<device>:<episode>:<kind>): gw-2 guesses gw-1's next SOS.
      const real = makeAlert({ id: 'gw-1:sos:band-1:1:raise', rule: 'sos', grade: 'P1', deviceId: 'band-1', summary: 'SOS pressed' });
      const [forged] = await store.recordAlerts([{ ...real, gatewayId: 'gw-2', householdId: 'hh-2', summary: 'nothing' }]);
      const [mine] = await store.recordAlerts([real]);

      expect(forged!.status).toBe('created');
      expect(mine).toEqual({ alertId: real.id, status: 'created', ticketId: expect.any(String) });
      expect(mine!.ticketId).not.toBe(forged!.ticketId);
      const sos = (await store.listTickets({ householdId: 'hh-1' }))[0];
      expect(sos).toMatchObject({ gatewayId: 'gw-1', rule: 'sos', summary: 'SOS pressed', alertCount: 1 });
      // A resend by either gateway is its own duplicate.
      expect((await store.recordAlerts([real]))[0]).toEqual({ ...mine, status: 'duplicate' });
    });

    test('a known id with other content is refused as a conflict, and nothing of its batch is committed (issue 12)', async () => {
      const first = makeAlert();
      await store.recordAlerts([first]);
      const other = makeAlert({ householdId: 'hh-other' });
      const changed = { ...first, summary: 'something else', at: new Date(T0).toISOString() };
      const attempt = store.recordAlerts([other, changed]);
      await expect(attempt).rejects.toBeInstanceOf(AlertIdConflictError);
      await expect(attempt).rejects.toMatchObject({ conflicts: [{ index: 1, alertId: first.id, fields: ['at', 'summary'] }] });
      expect(await store.listTickets({ householdId: 'hh-other' })).toEqual([]);
      expect((await store.listTickets())[0]).toMatchObject({ summary: first.summary, alertCount: 1 });
      // The same id with the same content is still a plain resend.
      expect((await store.recordAlerts([first]))[0]!.status).toBe('duplicate');
    });

    test('the same id twice in one batch with other content is a conflict too (issue 12)', async () => {
      const a = makeAlert();
      await expect(store.recordAlerts([a, { ...a, grade: 'P1' }])).rejects.toMatchObject({ conflicts: [{ index: 1, alertId: a.id, fields: ['grade'] }] });
      expect(await store.countAlerts()).toEqual({ raise: 0, clear: 0 });
    });

    test('the same alert id twice in one request counts once', async () => {
      const alert = makeAlert();
      const results = await store.recordAlerts([alert, alert]);
      expect(results.map((r) => r.status)).toEqual(['created', 'duplicate']);
      expect(results[1]!.ticketId).toBe(results[0]!.ticketId);
      const tickets = await store.listTickets();
      expect(tickets.map((t) => t.alertCount)).toEqual([1]);
    });

    test('two raises for the same household and rule share one ticket, at the most urgent grade', async () => {
      const [a] = await store.recordAlerts([makeAlert({ grade: 'P3' })]);
      await clock.advance(60_000);
      const [b] = await store.recordAlerts([makeAlert({ grade: 'P1', at: new Date(T0).toISOString() })]);
      const [c] = await store.recordAlerts([makeAlert({ grade: 'P4' })]);

      expect(b!.ticketId).toBe(a!.ticketId);
      expect(c!.ticketId).toBe(a!.ticketId);
      const [ticket, ...others] = await store.listTickets();
      expect(others).toEqual([]);
      expect(ticket).toMatchObject({ alertCount: 3, grade: 'P1', openedAt: new Date(T0 - 60_000).toISOString() });
      expect(ticket!.updatedAt).toBe(new Date(T0 + 60_000).toISOString());
    });

    test('a different rule or household opens a ticket of its own', async () => {
      const results = await store.recordAlerts([
        makeAlert(),
        makeAlert({ rule: 'no-door-activity', deviceId: 'door-1' }),
        makeAlert({ householdId: 'hh-2' }),
      ]);
      expect(new Set(results.map((r) => r.ticketId)).size).toBe(3);
      expect(await store.listTickets()).toHaveLength(3);
    });

    test('a clear is appended to the open ticket, which stays open', async () => {
      const [raised] = await store.recordAlerts([makeAlert()]);
      const [cleared] = await store.recordAlerts([makeAlert({ kind: 'clear', grade: 'P4' })]);

      expect(cleared).toMatchObject({ status: 'created', ticketId: raised!.ticketId });
      const [ticket] = await store.listTickets();
      // One alert, and its clear: a reader sees the elder was raised once, not twice.
      expect(ticket).toMatchObject({ state: 'open', alertCount: 1, clearCount: 1, grade: 'P2' });
      expect(await store.countAlerts()).toEqual({ raise: 1, clear: 1 });
    });

    test('a clear without an open ticket is recorded with no ticket, also when resent', async () => {
      const clear = makeAlert({ kind: 'clear' });
      expect(await store.recordAlerts([clear])).toEqual([{ alertId: clear.id, status: 'created', ticketId: null }]);
      expect(await store.recordAlerts([clear])).toEqual([{ alertId: clear.id, status: 'duplicate', ticketId: null }]);
      expect(await store.listTickets()).toEqual([]);
      expect(await store.countAlerts()).toEqual({ raise: 0, clear: 1 });
      const stored = await opened.db.selectFrom('alerts').selectAll().execute();
      expect(stored).toMatchObject([{ id: clear.id, kind: 'clear', ticket_id: null, details: '{"litres":3}' }]);
    });

    test('a raise after the ticket was closed opens a new ticket', async () => {
      const [first] = await store.recordAlerts([makeAlert()]);
      await opened.db.updateTable('tickets').set({ state: 'closed' }).where('id', '=', first!.ticketId!).execute();
      const [second] = await store.recordAlerts([makeAlert()]);

      expect(second!.ticketId).not.toBe(first!.ticketId);
      expect((await store.listTickets({ state: 'open' })).map((t) => t.id)).toEqual([second!.ticketId]);
    });

    test('the schema allows one non-closed ticket per gateway, household, rule and subject, and any number of closed ones', async () => {
      const row = (id: string, state: 'open' | 'assigned' | 'closed') => ({
        id,
        household_id: 'hh-9',
        device_id: 'd',
        gateway_id: 'gw-1',
        rule: 'r',
        subject: '',
        grade: 'P2' as const,
        state,
        summary: 's',
        opened_at_ms: T0,
        updated_at_ms: T0,
        alert_count: 1,
        clear_count: 0,
      });
      await opened.db.insertInto('tickets').values([row('c1', 'closed'), row('c2', 'closed'), row('o1', 'open')]).execute();
      await expect(opened.db.insertInto('tickets').values(row('o2', 'assigned')).execute()).rejects.toThrow(/unique/i);
      await opened.db.insertInto('tickets').values({ ...row('o3', 'open'), gateway_id: 'gw-2' }).execute();
      await opened.db.insertInto('tickets').values([{ ...row('o4', 'open'), subject: 'd' }, { ...row('o5', 'open'), subject: 'e' }]).execute();
      await expect(opened.db.insertInto('tickets').values({ ...row('o6', 'open'), subject: 'e' }).execute()).rejects.toThrow(/unique/i);
    });

    const silent = (deviceId: string, overrides: Parameters<typeof makeAlert>[0] = {}) =>
      makeAlert({ rule: 'device-silent', deviceId, grade: 'P4', summary: `${deviceId} silent`, ...overrides });

    test("a household's meter going silent opens a ticket of its own, and the band's ticket keeps its counts (issue 14)", async () => {
      const [band] = await store.recordAlerts([silent('band-1')]);
      await clock.advance(60_000);
      const [meter] = await store.recordAlerts([silent('water-1', { at: new Date(T0).toISOString() })]);

      expect(meter).toMatchObject({ status: 'created', ticketId: expect.any(String) });
      expect(meter!.ticketId).not.toBe(band!.ticketId);
      const tickets = await store.listTickets({ rule: 'device-silent' });
      expect(tickets.map((t) => [t.id, t.deviceId, t.summary, t.alertCount, t.clearCount])).toEqual([
        [band!.ticketId, 'band-1', 'band-1 silent', 1, 0],
        [meter!.ticketId, 'water-1', 'water-1 silent', 1, 0],
      ]);
      expect(tickets[0]!.updatedAt).toBe(new Date(T0).toISOString());
    });

    test("the band's clear goes to the band's ticket only, not to the meter's (issue 14)", async () => {
      const [band] = await store.recordAlerts([silent('band-1')]);
      const [meter] = await store.recordAlerts([silent('water-1')]);
      const [cleared] = await store.recordAlerts([silent('band-1', { kind: 'clear' })]);

      expect(cleared!.ticketId).toBe(band!.ticketId);
      const counts = Object.fromEntries((await store.listTickets()).map((t) => [t.id, [t.alertCount, t.clearCount]]));
      expect(counts).toEqual({ [band!.ticketId!]: [1, 1], [meter!.ticketId!]: [1, 0] });
    });

    test('device-health rules open a ticket per device, SOS and no-water one per household, within a batch and across batches (issue 14)', async () => {
      const devices = ['band-1', 'water-1'];
      const health = PER_DEVICE_RULES.flatMap((rule) => devices.map((deviceId) => makeAlert({ rule, deviceId, grade: 'P4' })));
      await store.recordAlerts([
        ...health,
        makeAlert({ rule: 'sos', deviceId: 'band-1', grade: 'P1' }),
        makeAlert({ rule: 'sos', deviceId: 'sos-1', grade: 'P1' }),
        makeAlert({ deviceId: 'water-1' }),
        makeAlert({ deviceId: 'water-2' }),
      ]);
      // Again from each device, in a later request: each finds the ticket it joined before.
      await store.recordAlerts([
        ...PER_DEVICE_RULES.flatMap((rule) => devices.map((deviceId) => makeAlert({ rule, deviceId, grade: 'P4' }))),
        makeAlert({ rule: 'sos', deviceId: 'band-2', grade: 'P1' }),
        makeAlert({ deviceId: 'water-3' }),
      ]);

      const tickets = (await store.listTickets()).map((t) => [t.rule, PER_DEVICE_RULES.includes(t.rule) ? t.deviceId : 'household', t.alertCount]);
      expect(tickets.sort()).toEqual(
        [
          ...PER_DEVICE_RULES.flatMap((rule) => devices.map((deviceId) => [rule, deviceId, 2])),
          ['no-water-use', 'household', 3],
          ['sos', 'household', 3],
        ].sort(),
      );
    });

    test('two replicas recording device-silent for two devices of one household at once open one ticket per device (issue 14)', async () => {
      const peerStore = createTicketStore(await opened.peer(), clock);
      const batches = Array.from({ length: 16 }, (_, i) => [silent(i % 4 < 2 ? 'band-1' : 'water-1')]);
      const all = await Promise.all(batches.map((batch, i) => (i % 2 === 0 ? store : peerStore).recordAlerts(batch)));

      expect(new Set(all.flat().map((r) => r.ticketId)).size).toBe(2);
      const tickets = await store.listTickets();
      expect(tickets.map((t) => [t.deviceId, t.alertCount]).sort()).toEqual([
        ['band-1', 8],
        ['water-1', 8],
      ]);
    });

    test("a gateway's alert for another gateway's household and device opens a ticket of its own, never appends to theirs (issue 12)", async () => {
      const [theirs] = await store.recordAlerts([makeAlert({ gatewayId: 'gw-2', id: 'gw-2:no-water-use:water-1:1:raise' })]);
      const [mine] = await store.recordAlerts([makeAlert({ grade: 'P1', summary: 'written by gw-1' })]);
      expect(mine!.ticketId).not.toBe(theirs!.ticketId);
      expect((await store.listTickets({ gatewayId: 'gw-2' })).map((t) => [t.id, t.alertCount, t.grade, t.summary])).toEqual([
        [theirs!.ticketId, 1, 'P2', 'less than 10 L of water in 24 h'],
      ]);
      expect((await store.listTickets({ gatewayId: 'gw-1' })).map((t) => t.id)).toEqual([mine!.ticketId]);
    });

    test('listTickets filters by state, household and rule, ordered by opening time', async () => {
      const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
      const results = await store.recordAlerts([
        makeAlert({ householdId: 'hh-b', at: at(2) }),
        makeAlert({ householdId: 'hh-a', at: at(1) }),
        makeAlert({ householdId: 'hh-a', rule: 'sos', grade: 'P1', at: at(3) }),
      ]);
      const [b, a, sos] = results.map((r) => r.ticketId);
      await opened.db.updateTable('tickets').set({ state: 'assigned' }).where('id', '=', sos!).execute();

      const ids = async (filter: Parameters<TicketStore['listTickets']>[0]) => (await store.listTickets(filter)).map((t) => t.id);
      expect(await ids({})).toEqual([a, b, sos]);
      expect(await ids({ state: 'open' })).toEqual([a, b]);
      expect(await ids({ state: 'assigned' })).toEqual([sos]);
      expect(await ids({ householdId: 'hh-a' })).toEqual([a, sos]);
      expect(await ids({ householdId: 'hh-a', rule: 'no-water-use' })).toEqual([a]);
      expect(await ids({ rule: 'nothing-like-this' })).toEqual([]);
      expect(await ids({ limit: 2 })).toEqual([a, b]);
    });

    test('two replicas recording raises for one household and rule at once open exactly one ticket', async () => {
      const peerStore = createTicketStore(await opened.peer(), clock);
      const perStore = 8;
      const batches = Array.from({ length: perStore * 2 }, (_, i) => [makeAlert({ deviceId: `water-${i}` })]);
      const all = await Promise.all(batches.map((batch, i) => (i % 2 === 0 ? store : peerStore).recordAlerts(batch)));

      const ticketIds = new Set(all.flat().map((r) => r.ticketId));
      expect(ticketIds.size).toBe(1);
      const tickets = await store.listTickets();
      expect(tickets).toHaveLength(1);
      expect(tickets[0]!.alertCount).toBe(perStore * 2);
    });

    test('two replicas receiving the same resend at once record it once', async () => {
      const peerStore = createTicketStore(await opened.peer(), clock);
      const batch = [makeAlert(), makeAlert({ rule: 'sos', grade: 'P1' }), makeAlert({ kind: 'clear' })];
      const [mine, theirs] = await Promise.all([store.recordAlerts(batch), peerStore.recordAlerts(batch)]);

      const statuses = [...mine!, ...theirs!].map((r) => r.status).sort();
      expect(statuses).toEqual(['created', 'created', 'created', 'duplicate', 'duplicate', 'duplicate']);
      expect(mine!.map((r) => r.ticketId)).toEqual(theirs!.map((r) => r.ticketId));
      const count = await sql<{ n: number }>`select count(*) as n from alerts`.execute(opened.db);
      expect(Number(count.rows[0]!.n)).toBe(3);
      expect((await store.listTickets()).map((t) => [t.rule, t.alertCount, t.clearCount]).sort()).toEqual([
        ['no-water-use', 1, 1],
        ['sos', 1, 0],
      ]);
    });
  });
}
