import type { ReadingRollupsHourlyTable } from '../db/database.js';
import type { WireReading } from '../../contract/ingest-wire.js';

const HOUR_MS = 3_600_000;

/** Start of the UTC hour that holds `atMs`. */
export function hourStart(atMs: number): number {
  return Math.floor(atMs / HOUR_MS) * HOUR_MS;
}

/**
 * Folds a batch of one gateway's readings into one rollup row per (gateway, device, metric, hour), so that the database
 * sees one upsert per row however many readings fell into it. Rows come sorted by key: two
 * transactions that touch the same rows then lock them in the same order and cannot deadlock.
 * For equal times, the reading later in the batch (higher seq) is the "last" one.
 */
export function rollUpHourly(gatewayId: string, readings: readonly WireReading[]): ReadingRollupsHourlyTable[] {
  const rows = new Map<string, ReadingRollupsHourlyTable>();
  for (const reading of readings) {
    const atMs = Date.parse(reading.at);
    const hour = hourStart(atMs);
    for (const [metric, value] of Object.entries(reading.metrics)) {
      if (value === undefined) continue;
      const key = `${reading.deviceId}\u0000${metric}\u0000${hour}`;
      const row = rows.get(key);
      if (row === undefined) {
        rows.set(key, {
          device_id: reading.deviceId,
          metric,
          hour_start_ms: hour,
          gateway_id: gatewayId,
          household_id: reading.householdId,
          sample_count: 1,
          value_sum: value,
          value_min: value,
          value_max: value,
          last_value: value,
          last_at_ms: atMs,
        });
        continue;
      }
      row.sample_count += 1;
      row.value_sum += value;
      if (value < row.value_min) row.value_min = value;
      if (value > row.value_max) row.value_max = value;
      if (atMs >= row.last_at_ms) {
        row.last_value = value;
        row.last_at_ms = atMs;
        row.household_id = reading.householdId;
      }
    }
  }
  return [...rows.values()].sort(compareKeys);
}

function compareKeys(a: ReadingRollupsHourlyTable, b: ReadingRollupsHourlyTable): number {
  if (a.device_id !== b.device_id) return a.device_id < b.device_id ? -1 : 1;
  if (a.metric !== b.metric) return a.metric < b.metric ? -1 : 1;
  return a.hour_start_ms - b.hour_start_ms;
}
