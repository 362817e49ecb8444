import { Migrator, sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import type { CloudDb } from '../../../cloud/db/connect.js';
import { migrateToLatest, migrations } from '../../../cloud/db/migrations.js';
import { createTicketStore } from '../../../cloud/alerts/ticket-store.js';
import { createReadingStore } from '../../../cloud/readings/reading-store.js';
import { VirtualClock } from '../../../lib/time/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { T0, makeAlert } from '../fixtures.js';
import { createTestDatabase, testEngines, type Engine } from '../test-db.js';

const logger = silentLogger();

/** A database at `migration`, filled by `fill`, then brought to the latest schema. */
async function upgradeFrom(engine: Engine, migration: string, fill: (cloud: CloudDb) => Promise<void>): Promise<{ cloud: CloudDb; done(): Promise<void> }> {
  const database = await createTestDatabase(engine);
  const cloud = await database.connect();
  const schema = database.pgSchema;
  const migrator = new Migrator({ db: cloud.db, provider: { getMigrations: () => Promise.resolve(migrations) }, ...(schema ? { migrationTableSchema: schema } : {}) });
  expect((await migrator.migrateTo(migration)).error).toBeUndefined();
  await fill(cloud);
  await migrateToLatest(cloud.db, cloud.dialect, logger);
  return {
    cloud,
    async done() {
      await cloud.close();
      await database.drop();
    },
  };
}

describe.each(testEngines())('migrations keep existing data on %s (issue 12)', (engine) => {
  test('alerts from before they were keyed by gateway survive 0004, and resends of them are still duplicates', async () => {
    const old = makeAlert({ id: 'gw-1:no-water-use:water-1:7:raise' });
    const { cloud, done } = await upgradeFrom(engine, '0003-ticket-clear-count', async ({ db }) => {
      await sql`insert into tickets (id, household_id, device_id, gateway_id, rule, grade, state, summary, opened_at_ms, updated_at_ms, alert_count, clear_count)
        values ('t1', 'hh-1', 'water-1', 'gw-1', 'no-water-use', 'P2', 'open', ${old.summary}, ${T0 - 60_000}, ${T0}, 1, 0)`.execute(db);
      await sql`insert into alerts (id, gateway_id, household_id, device_id, rule, kind, grade, at_ms, summary, details, received_at_ms, ticket_id)
        values (${old.id}, 'gw-1', 'hh-1', 'water-1', 'no-water-use', 'raise', 'P2', ${Date.parse(old.at)}, ${old.summary}, '{"litres":3}', ${T0}, 't1')`.execute(db);
    });
    try {
      const store = createTicketStore(cloud.db, new VirtualClock(T0));
      expect(await store.recordAlerts([old])).toEqual([{ alertId: old.id, status: 'duplicate', ticketId: 't1' }]);
      // The same id from another gateway is another alert now.
      const [theirs] = await store.recordAlerts([{ ...old, gatewayId: 'gw-2' }]);
      expect(theirs!.status).toBe('created');
    } finally {
      await done();
    }
  });

  test('tickets and rollups from before they were keyed by gateway survive 0005, and add up as before', async () => {
    const HOUR = 3_600_000;
    const hour = T0 - (T0 % HOUR) - HOUR;
    const { cloud, done } = await upgradeFrom(engine, '0004-alerts-keyed-by-gateway', async ({ db }) => {
      await sql`insert into tickets (id, household_id, device_id, gateway_id, rule, grade, state, summary, opened_at_ms, updated_at_ms, alert_count, clear_count)
        values ('t1', 'hh-1', 'water-1', 'gw-1', 'no-water-use', 'P2', 'open', 's', ${T0 - 60_000}, ${T0}, 1, 0)`.execute(db);
      await sql`insert into reading_rollups_hourly (device_id, metric, hour_start_ms, gateway_id, household_id, sample_count, value_sum, value_min, value_max, last_value, last_at_ms)
        values ('water-1', 'volume_l', ${hour}, 'gw-1', 'hh-1', 2, 201, 100, 101, 101, ${hour + 60_000})`.execute(db);
    });
    try {
      const store = createTicketStore(cloud.db, new VirtualClock(T0));
      expect((await store.recordAlerts([makeAlert()]))[0]!.ticketId).toBe('t1');
      const readings = createReadingStore(cloud.db, new VirtualClock(T0));
      await readings.commit('gw-1', 'stream-a1', [{ seq: 1, householdId: 'hh-1', deviceId: 'water-1', at: new Date(hour + 120_000).toISOString(), metrics: { volume_l: 102 } }]);
      expect(await readings.hourlyRollups({})).toMatchObject([{ gateway_id: 'gw-1', sample_count: 3, value_sum: 303, value_max: 102, last_value: 102 }]);
    } finally {
      await done();
    }
  });

  test("an open device-silent ticket from before 0006 keeps receiving its device's alerts, and another device's go to a ticket of their own (issue 14)", async () => {
    const ticket = (id: string, rule: string, deviceId: string, state: string) =>
      sql`insert into tickets (id, household_id, device_id, gateway_id, rule, grade, state, summary, opened_at_ms, updated_at_ms, alert_count, clear_count)
        values (${id}, 'hh-1', ${deviceId}, 'gw-1', ${rule}, 'P4', ${state}, 's', ${T0 - 60_000}, ${T0 - 60_000}, 1, 0)`;
    const { cloud, done } = await upgradeFrom(engine, '0005-tickets-and-rollups-keyed-by-gateway', async ({ db }) => {
      await ticket('band-silent', 'device-silent', 'band-1', 'open').execute(db);
      await ticket('meter-battery', 'low-battery', 'water-1', 'closed').execute(db);
      await ticket('sos', 'sos', 'band-1', 'acknowledged').execute(db);
    });
    try {
      const store = createTicketStore(cloud.db, new VirtualClock(T0));
      const silent = (deviceId: string, kind: 'raise' | 'clear' = 'raise') => makeAlert({ rule: 'device-silent', deviceId, kind, grade: 'P4' });
      const results = await store.recordAlerts([silent('band-1'), silent('water-1'), makeAlert({ rule: 'sos', deviceId: 'sos-1', grade: 'P1' }), silent('band-1', 'clear')]);

      const [band, meter, sos, cleared] = results.map((r) => r.ticketId);
      expect([band, sos, cleared]).toEqual(['band-silent', 'sos', 'band-silent']);
      expect(meter).not.toBeNull();
      expect(['band-silent', 'sos', 'meter-battery']).not.toContain(meter);
      const counts = (await store.listTickets()).map((t) => [t.id === meter ? 'meter' : t.id, t.deviceId, t.alertCount, t.clearCount]);
      expect(counts.sort()).toEqual([
        ['band-silent', 'band-1', 2, 1],
        ['meter', 'water-1', 1, 0],
        ['meter-battery', 'water-1', 1, 0],
        ['sos', 'band-1', 2, 0],
      ]);
      // Closed tickets of a per-device rule got their device too; the household's rules none.
      const subjects = await cloud.db.selectFrom('tickets').select(['id', 'subject']).where('id', 'in', ['band-silent', 'meter-battery', 'sos']).orderBy('id').execute();
      expect(subjects).toEqual([
        { id: 'band-silent', subject: 'band-1' },
        { id: 'meter-battery', subject: 'water-1' },
        { id: 'sos', subject: '' },
      ]);
    } finally {
      await done();
    }
  });
});
