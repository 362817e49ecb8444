import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Database, ReadingRollupsHourlyTable } from '../../../cloud/db/database.js';
import type { WireReading } from '../../../contract/ingest-wire.js';
import { createReadingStore, type ReadingStore } from '../../../cloud/readings/reading-store.js';
import { VirtualClock } from '../../../lib/time/clock.js';
import { T0, makeReading, readingRange } from '../fixtures.js';
import { engineAvailable, openTestDb, type Engine, type OpenedTestDb } from '../test-db.js';

const HOUR = 3_600_000;

/**
 * The rollups the readings should make, each counted once, computed the plain way (sort, then
 * fold) rather than with the code under test. Values in the tests are multiples of 0.5, so every
 * sum is exact whatever the order of additions.
 */
export function expectedRollups(gatewayId: string, readings: readonly WireReading[]): ReadingRollupsHourlyTable[] {
  const rows: ReadingRollupsHourlyTable[] = [];
  const ordered = [...readings].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq);
  for (const r of ordered) {
    const at = Date.parse(r.at);
    const hour = at - (at % HOUR);
    for (const [metric, value] of Object.entries(r.metrics) as [string, number][]) {
      const row = rows.find((x) => x.device_id === r.deviceId && x.metric === metric && x.hour_start_ms === hour);
      if (!row) {
        rows.push({ device_id: r.deviceId, metric, hour_start_ms: hour, gateway_id: gatewayId, household_id: r.householdId, sample_count: 1, value_sum: value, value_min: value, value_max: value, last_value: value, last_at_ms: at });
        continue;
      }
      Object.assign(row, {
        sample_count: row.sample_count + 1,
        value_sum: row.value_sum + value,
        value_min: Math.min(row.value_min, value),
        value_max: Math.max(row.value_max, value),
        last_value: value,
        last_at_ms: at,
        household_id: r.householdId,
      });
    }
  }
  return sortRows(rows);
}

export function sortRows(rows: ReadingRollupsHourlyTable[]): ReadingRollupsHourlyTable[] {
  return rows.sort((a, b) => a.device_id.localeCompare(b.device_id) || a.metric.localeCompare(b.metric) || a.hour_start_ms - b.hour_start_ms || a.gateway_id.localeCompare(b.gateway_id));
}

export async function storedRollups(db: Kysely<Database>): Promise<ReadingRollupsHourlyTable[]> {
  return sortRows(await db.selectFrom('reading_rollups_hourly').selectAll().execute());
}

/** Readings of three devices over three hours, values multiples of 0.5, out of time order now and then. */
const readingsArbitrary = fc
  .array(
    fc.record({
      device: fc.constantFrom('water-1', 'water-2', 'noise-1'),
      offsetS: fc.integer({ min: 0, max: 3 * 3600 - 1 }),
      value: fc.integer({ min: -2000, max: 2000 }).map((n) => n / 2),
      battery: fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((items) =>
    items.map((item, i): WireReading => ({
      seq: i + 1,
      householdId: item.device === 'noise-1' ? 'site-1' : 'hh-1',
      deviceId: item.device,
      at: new Date(T0 - 3 * HOUR + item.offsetS * 1000).toISOString(),
      metrics: item.device === 'noise-1' ? { noise_dba: item.value } : { volume_l: item.value, ...(item.battery !== undefined ? { battery_pct: item.battery } : {}) },
    })),
  );

/** A gateway's deliveries: each step resends up to `back` confirmed readings, and its answer may be lost. */
const scheduleArbitrary = fc.array(fc.record({ back: fc.integer({ min: 0, max: 6 }), length: fc.integer({ min: 1, max: 12 }), answered: fc.boolean() }), {
  minLength: 1,
  maxLength: 200,
});

/**
 * Every reading store backend passes this suite: the same exactly-once behaviour is what lets
 * the demo run on SQLite and production on PostgreSQL.
 */
export function defineReadingStoreSuite(engine: Engine): void {
  describe.skipIf(!engineAvailable(engine))(`reading store on ${engine}`, () => {
    let opened: OpenedTestDb;
    let clock: VirtualClock;
    let store: ReadingStore;

    beforeAll(async () => {
      opened = await openTestDb(engine);
    });
    afterAll(async () => {
      await opened?.close();
    });
    const reset = async () => {
      await opened.db.deleteFrom('reading_streams').execute();
      await opened.db.deleteFrom('reading_rollups_hourly').execute();
    };
    beforeEach(async () => {
      await reset();
      clock = new VirtualClock(T0);
      store = createReadingStore(opened.db, clock);
    });

    test('a batch commits once; resent, it commits nothing and the mark stays', async () => {
      const batch = readingRange(1, 10);
      expect(await store.commit('gw-1', 'stream-a1', batch)).toEqual({ committed: batch, committedSeq: 10 });
      expect(await store.commit('gw-1', 'stream-a1', batch)).toEqual({ committed: [], committedSeq: 10 });
      expect(await store.committedSeq('gw-1', 'stream-a1')).toBe(10);
      expect(await storedRollups(opened.db)).toEqual(expectedRollups('gw-1', batch));
    });

    test('an overlapping batch commits only the readings above the mark', async () => {
      await store.commit('gw-1', 'stream-a1', readingRange(1, 10));
      const result = await store.commit('gw-1', 'stream-a1', readingRange(6, 15));
      expect(result.committed.map((r) => r.seq)).toEqual([11, 12, 13, 14, 15]);
      expect(result.committedSeq).toBe(15);
      expect(await storedRollups(opened.db)).toEqual(expectedRollups('gw-1', readingRange(1, 15)));
    });

    test('marks are per gateway and stream: the same seqs elsewhere are new', async () => {
      await store.commit('gw-1', 'stream-a1', readingRange(1, 3));
      expect((await store.commit('gw-1', 'stream-b2', readingRange(1, 3, () => ({ deviceId: 'water-2' })))).committedSeq).toBe(3);
      expect((await store.commit('gw-2', 'stream-a1', readingRange(1, 3, () => ({ deviceId: 'water-3' })))).committed).toHaveLength(3);
      expect(await store.committedSeq('gw-2', 'stream-b2')).toBe(0);
      const counts = (await storedRollups(opened.db)).filter((r) => r.metric === 'volume_l').map((r) => [r.device_id, r.gateway_id, r.sample_count]);
      expect(counts).toEqual([
        ['water-1', 'gw-1', 3],
        ['water-2', 'gw-1', 3],
        ['water-3', 'gw-2', 3],
      ]);
    });

    test("a reading from another gateway for a device named like one of ours never merges into our rollup (issue 12)", async () => {
      await store.commit('gw-1', 'stream-a1', readingRange(1, 3));
      await store.commit('gw-2', 'stream-b2', readingRange(1, 2, () => ({ householdId: 'hh-9', metrics: { volume_l: 99_999 } })));
      const volume = (await storedRollups(opened.db)).filter((r) => r.metric === 'volume_l');
      expect(volume.map((r) => [r.gateway_id, r.device_id, r.household_id, r.sample_count, r.value_max])).toEqual([
        ['gw-1', 'water-1', 'hh-1', 3, 101.5],
        ['gw-2', 'water-1', 'hh-9', 2, 99_999],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
      expect((await store.hourlyRollups({ gatewayId: 'gw-1', deviceId: 'water-1' })).map((r) => r.sample_count)).toEqual([3, 3]);
    });

    test('rollups keep count, sum, min, max and the value with the latest time, per UTC hour', async () => {
      const at = (minutes: number) => new Date(T0 - 2 * HOUR + minutes * 60_000).toISOString();
      await store.commit('gw-1', 'stream-a1', [
        makeReading(1, { at: at(10), metrics: { noise_dba: 50 } }),
        makeReading(2, { at: at(50), metrics: { noise_dba: 71.5 } }),
        makeReading(3, { at: at(30), metrics: { noise_dba: 42 } }), // arrives late, is not the last
        makeReading(4, { at: at(65), metrics: { noise_dba: 60 } }), // the next hour
      ]);
      await store.commit('gw-1', 'stream-a1', [makeReading(5, { at: at(20), metrics: { noise_dba: 39.5 } })]);
      const rows = await storedRollups(opened.db);
      expect(rows).toEqual([
        { device_id: 'water-1', metric: 'noise_dba', hour_start_ms: T0 - 2 * HOUR, gateway_id: 'gw-1', household_id: 'hh-1', sample_count: 4, value_sum: 203, value_min: 39.5, value_max: 71.5, last_value: 71.5, last_at_ms: Date.parse(at(50)) },
        { device_id: 'water-1', metric: 'noise_dba', hour_start_ms: T0 - HOUR, gateway_id: 'gw-1', household_id: 'hh-1', sample_count: 1, value_sum: 60, value_min: 60, value_max: 60, last_value: 60, last_at_ms: Date.parse(at(65)) },
      ]);
    });

    test('resent and overlapping batches in any schedule leave exact rollups and each seq counted once', async () => {
      await fc.assert(
        fc.asyncProperty(readingsArbitrary, scheduleArbitrary, async (readings, schedule) => {
          await reset();
          // seq = index + 1, so "confirmed up to seq n" is "the first n readings".
          let confirmed = 0;
          let accepted = 0;
          const send = async (from: number, to: number) => {
            const result = await store.commit('gw-1', 'stream-p1', readings.slice(from, to));
            accepted += result.committed.length;
            return result.committedSeq;
          };
          for (const step of schedule) {
            if (confirmed >= readings.length) break;
            const mark = await send(Math.max(0, confirmed - step.back), Math.min(readings.length, confirmed + step.length));
            if (step.answered) confirmed = mark;
          }
          while (confirmed < readings.length) confirmed = await send(confirmed, readings.length);

          expect(accepted).toBe(readings.length);
          expect(await store.committedSeq('gw-1', 'stream-p1')).toBe(readings.length);
          expect(await storedRollups(opened.db)).toEqual(expectedRollups('gw-1', readings));
        }),
        { numRuns: 30 },
      );
    });

    test('two replicas committing the same batches at once commit each seq once', async () => {
      const peer = createReadingStore(await opened.peer(), clock);
      const readings = readingRange(1, 400, (seq) => ({ deviceId: `water-${seq % 7}` }));
      let accepted = 0;
      // Overlapping windows, each sent to both replicas at the same moment (a resend after a timeout).
      for (let start = 0; start < readings.length; start += 40) {
        const batch = readings.slice(Math.max(0, start - 20), start + 40);
        const results = await Promise.all([store.commit('gw-1', 'stream-r1', batch), peer.commit('gw-1', 'stream-r1', batch)]);
        accepted += results.reduce((n, r) => n + r.committed.length, 0);
        for (const r of results) expect(r.committedSeq).toBe(batch[batch.length - 1]!.seq);
      }
      expect(accepted).toBe(readings.length);
      expect(await store.committedSeq('gw-1', 'stream-r1')).toBe(400);
      expect(await storedRollups(opened.db)).toEqual(expectedRollups('gw-1', readings));
    });

    test('a new stream raced by two replicas is created once', async () => {
      const peer = createReadingStore(await opened.peer(), clock);
      const batch = readingRange(1, 5);
      const results = await Promise.all([store.commit('gw-1', 'stream-new', batch), peer.commit('gw-1', 'stream-new', batch)]);
      expect(results.map((r) => r.committed.length).sort()).toEqual([0, 5]);
      const streams = await opened.db.selectFrom('reading_streams').selectAll().execute();
      expect(streams).toEqual([{ gateway_id: 'gw-1', stream: 'stream-new', committed_seq: 5, updated_at_ms: T0 }]);
    });
  });
}
