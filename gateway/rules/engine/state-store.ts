import type { Logger } from '../../../lib/log.js';
import type { SqliteDatabase } from '../../../lib/sqlite.js';

const key = (ruleId: string, deviceId: string): string => `${ruleId}\u0000${deviceId}`;

/**
 * Rule state per (rule, device), held in memory and written to SQLite. Readings only mark state
 * dirty, and `flush` writes it in one transaction (an fsync per reading would cap a gateway at a
 * few hundred readings/s); state that goes with an alert is saved at once, with the alert.
 * Losing the last second of dirty state in a crash is safe for the window rules: they derive
 * time from stored timestamps and cumulative counters, and the next reading carries what was lost.
 */
export class RuleStateStore {
  readonly #db: SqliteDatabase;
  readonly #states = new Map<string, unknown>();
  readonly #dirty = new Map<string, { ruleId: string; deviceId: string }>();
  readonly #upsert;
  readonly #logger: Logger;

  constructor(db: SqliteDatabase, logger: Logger) {
    this.#db = db;
    this.#logger = logger;
    this.#upsert = db.prepare(
      `INSERT INTO rule_state (rule_id, device_id, state, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (rule_id, device_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    );
  }

  /** Loads every stored state through `accept`, which returns undefined for state to forget; call once at start. */
  load(accept: (ruleId: string, deviceId: string, raw: unknown) => unknown): void {
    const rows = this.#db.prepare('SELECT rule_id, device_id, state FROM rule_state').all() as Array<{
      rule_id: string;
      device_id: string;
      state: string;
    }>;
    for (const row of rows) {
      let raw: unknown;
      try {
        raw = JSON.parse(row.state);
      } catch {
        this.#logger.warn({ rule: row.rule_id, device: row.device_id }, 'stored rule state is not JSON; its window starts again');
        continue;
      }
      const state = accept(row.rule_id, row.device_id, raw);
      if (state !== undefined) this.#states.set(key(row.rule_id, row.device_id), state);
    }
    this.#logger.debug({ states: rows.length }, 'rule state loaded');
  }

  get(ruleId: string, deviceId: string): unknown {
    return this.#states.get(key(ruleId, deviceId));
  }

  /** Sets the state in memory; `dirty` = it still has to be written by the next flush. */
  set(ruleId: string, deviceId: string, state: unknown, dirty = true): void {
    const k = key(ruleId, deviceId);
    this.#states.set(k, state);
    if (dirty) this.#dirty.set(k, { ruleId, deviceId });
    else this.#dirty.delete(k);
  }

  /** Writes one state now (not in memory); call inside the transaction that enqueues the alert it produced. */
  save(ruleId: string, deviceId: string, state: unknown, at: number): void {
    this.#upsert.run(ruleId, deviceId, JSON.stringify(state), at);
  }

  /** Every state held, as [ruleId, deviceId, state]. */
  *entries(): Generator<[string, string, unknown]> {
    for (const [k, state] of this.#states) {
      const [ruleId, deviceId] = k.split('\u0000') as [string, string];
      yield [ruleId, deviceId, state];
    }
  }

  /** Forgets a state, in memory and on disk (a rule that changed starts afresh). */
  delete(ruleId: string, deviceId: string): void {
    const k = key(ruleId, deviceId);
    this.#states.delete(k);
    this.#dirty.delete(k);
    this.#db.prepare('DELETE FROM rule_state WHERE rule_id = ? AND device_id = ?').run(ruleId, deviceId);
  }

  /** Writes every dirty state in one transaction. */
  flush(at: number): number {
    const n = this.#dirty.size;
    if (n === 0) return 0;
    this.#db.transaction(() => {
      for (const [k, { ruleId, deviceId }] of this.#dirty) {
        this.#upsert.run(ruleId, deviceId, JSON.stringify(this.#states.get(k)), at);
      }
      this.#dirty.clear();
    })();
    return n;
  }
}
