import { sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../../lib/time/clock.js';
import type { Database, ReadingRollupsHourlyTable } from '../db/database.js';
import { withTransactionRetry } from '../db/transaction-retry.js';
import type { WireReading } from '../../contract/ingest-wire.js';
import { rollUpHourly } from './hourly-rollup.js';

export interface CommitResult {
  /** The readings this call committed (seq above the mark it found), in seq order. */
  committed: readonly WireReading[];
  /** The stream's mark after the call. */
  committedSeq: number;
}

export interface RollupFilter {
  gatewayId?: string | undefined;
  householdId?: string | undefined;
  deviceId?: string | undefined;
  /** Hours starting at or after this time (epoch ms). */
  fromMs?: number | undefined;
  /** Hours starting before this time (epoch ms). */
  toMs?: number | undefined;
}

export interface ReadingStore {
  /** The stream's high-water mark; 0 for a stream never seen. Read without a lock: a hint. */
  committedSeq(gatewayId: string, stream: string): Promise<number>;
  /**
   * In one transaction: locks the stream's mark, folds the readings above it into the hourly
   * rollups and advances it to the batch's last seq. Two replicas committing the same batch at
   * once serialize on the mark: the second finds the first's mark and commits nothing.
   * `readings` must be in increasing seq order (the wire schema checks it).
   */
  commit(gatewayId: string, stream: string, readings: readonly WireReading[]): Promise<CommitResult>;
  /** Hourly rollups for the console, ordered by device, metric, hour and gateway. */
  hourlyRollups(filter: RollupFilter): Promise<ReadingRollupsHourlyTable[]>;
}

/** Rows per multi-row statement: 500 x 11 columns stays under SQLite's 32766 parameters. */
const CHUNK = 500;
const T = 'reading_rollups_hourly';

export function createReadingStore(db: Kysely<Database>, clock: Clock): ReadingStore {
  return {
    async committedSeq(gatewayId, stream) {
      const row = await db
        .selectFrom('reading_streams')
        .select('committed_seq')
        .where('gateway_id', '=', gatewayId)
        .where('stream', '=', stream)
        .executeTakeFirst();
      return row?.committed_seq ?? 0;
    },

    commit(gatewayId, stream, readings) {
      return withTransactionRetry(() =>
        db.transaction().execute(async (trx): Promise<CommitResult> => {
          const nowMs = clock.now();
          const mark = await lockMark(trx, gatewayId, stream, nowMs);
          const fresh = readings.filter((r) => r.seq > mark);
          if (fresh.length === 0) return { committed: [], committedSeq: mark };
          await upsertRollups(trx, rollUpHourly(gatewayId, fresh));
          const top = fresh[fresh.length - 1]!.seq;
          await trx
            .updateTable('reading_streams')
            .set({ committed_seq: top, updated_at_ms: nowMs })
            .where('gateway_id', '=', gatewayId)
            .where('stream', '=', stream)
            .execute();
          return { committed: fresh, committedSeq: top };
        }),
      );
    },

    async hourlyRollups(filter) {
      let query = db.selectFrom('reading_rollups_hourly').selectAll();
      if (filter.gatewayId !== undefined) query = query.where('gateway_id', '=', filter.gatewayId);
      if (filter.householdId !== undefined) query = query.where('household_id', '=', filter.householdId);
      if (filter.deviceId !== undefined) query = query.where('device_id', '=', filter.deviceId);
      if (filter.fromMs !== undefined) query = query.where('hour_start_ms', '>=', filter.fromMs);
      if (filter.toMs !== undefined) query = query.where('hour_start_ms', '<', filter.toMs);
      return query.orderBy('device_id').orderBy('metric').orderBy('hour_start_ms').orderBy('gateway_id').execute();
    },
  };
}

/**
 * Creates the stream's row if new and reads its mark, holding the row's lock until commit: an
 * upsert whose update is a no-op locks the row on PostgreSQL (a second replica waits here, then
 * reads the mark the first one committed), and takes the write lock on SQLite. One statement
 * on both engines, where SELECT ... FOR UPDATE exists only on PostgreSQL.
 */
async function lockMark(trx: Transaction<Database>, gatewayId: string, stream: string, nowMs: number): Promise<number> {
  const row = await trx
    .insertInto('reading_streams')
    .values({ gateway_id: gatewayId, stream, committed_seq: 0, updated_at_ms: nowMs })
    .onConflict((oc) => oc.columns(['gateway_id', 'stream']).doUpdateSet({ committed_seq: sql<number>`reading_streams.committed_seq` }))
    .returning('committed_seq')
    .executeTakeFirstOrThrow();
  return row.committed_seq;
}

/** Adds each row to the stored one of its key: counts and sums add, extremes widen, the later "last" wins. */
async function upsertRollups(trx: Transaction<Database>, rows: readonly ReadingRollupsHourlyTable[]): Promise<void> {
  // Every right-hand side reads the row as it was before this statement, on both engines.
  const newer = sql`excluded.last_at_ms >= ${sql.ref(`${T}.last_at_ms`)}`;
  const pick = (column: keyof ReadingRollupsHourlyTable) =>
    sql<never>`case when ${newer} then ${sql.ref(`excluded.${column}`)} else ${sql.ref(`${T}.${column}`)} end`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto(T)
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.columns(['gateway_id', 'device_id', 'metric', 'hour_start_ms']).doUpdateSet({
          sample_count: sql<number>`${sql.ref(`${T}.sample_count`)} + excluded.sample_count`,
          value_sum: sql<number>`${sql.ref(`${T}.value_sum`)} + excluded.value_sum`,
          value_min: sql<number>`case when excluded.value_min < ${sql.ref(`${T}.value_min`)} then excluded.value_min else ${sql.ref(`${T}.value_min`)} end`,
          value_max: sql<number>`case when excluded.value_max > ${sql.ref(`${T}.value_max`)} then excluded.value_max else ${sql.ref(`${T}.value_max`)} end`,
          last_value: pick('last_value'),
          last_at_ms: pick('last_at_ms'),
          household_id: pick('household_id'),
        }),
      )
      .execute();
  }
}
