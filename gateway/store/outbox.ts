import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { Alert } from '../../contract/alert.js';

export interface OutboxEntry {
  seq: number;
  alert: Alert;
  attempts: number;
}

/**
 * Alerts wait here, durably, until the cloud confirms it committed them. Nothing is ever
 * deleted otherwise: an alert the cloud rejects as invalid is set aside (rejected = 1), kept,
 * counted, and offered again after the next restart (typically an upgrade of one side).
 */
export class Outbox {
  readonly #db: SqliteDatabase;
  readonly #insert;
  readonly #peek;
  readonly #delete;
  readonly #fail;
  readonly #reject;
  readonly #counts;
  readonly #listeners = new Set<() => void>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#insert = db.prepare(
      'INSERT INTO outbox (alert_id, device_id, body, enqueued_at, priority) VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id) DO NOTHING',
    );
    // Devices with a life-safety alert waiting go first, each with all its earlier alerts, so
    // that an SOS never waits behind a queue of other devices' alerts and a device's alerts still
    // arrive in the order they were raised.
    this.#peek = db.prepare(
      `SELECT seq, body, attempts FROM outbox WHERE rejected = 0
       ORDER BY device_id IN (SELECT device_id FROM outbox WHERE priority = 0 AND rejected = 0) DESC, seq
       LIMIT ?`,
    );
    this.#delete = db.prepare('DELETE FROM outbox WHERE alert_id = ?');
    this.#fail = db.prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE alert_id = ?');
    this.#reject = db.prepare('UPDATE outbox SET rejected = 1, last_error = ? WHERE alert_id = ?');
    this.#counts = db.prepare('SELECT COUNT(*) AS pending, COALESCE(SUM(rejected), 0) AS rejected FROM outbox');
  }

  /**
   * Stores alerts; call inside the transaction that also saves the rule state that produced them.
   * An alert id already queued is ignored (ids are deterministic, so that is a repeat).
   */
  enqueue(alerts: readonly Alert[], enqueuedAt: number): void {
    for (const alert of alerts) this.#insert.run(alert.id, alert.deviceId, JSON.stringify(alert), enqueuedAt, alert.grade === 'P1' ? 0 : 1);
  }

  /** Tells listeners (the uplink) that something was queued; call after the transaction committed. */
  notify(): void {
    for (const listener of this.#listeners) listener();
  }

  onEnqueue(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The entries to send next, not set aside nor in `skip`: those of devices with a P1 alert
   * waiting first, then the rest, each in the order they were queued.
   */
  peek(limit: number, skip: ReadonlySet<string> = new Set()): OutboxEntry[] {
    // `skip` (alerts held back for now) is small: read past it rather than build SQL for it.
    const rows = this.#peek.all(limit + skip.size) as Array<{ seq: number; body: string; attempts: number }>;
    const entries = rows.map((r) => ({ seq: r.seq, alert: JSON.parse(r.body) as Alert, attempts: r.attempts }));
    return entries.filter((e) => !skip.has(e.alert.id)).slice(0, limit);
  }

  /** The cloud committed these: they may go. */
  acknowledge(alertIds: readonly string[]): void {
    this.#db.transaction(() => {
      for (const id of alertIds) this.#delete.run(id);
    })();
  }

  recordFailure(alertIds: readonly string[], error: string): void {
    this.#db.transaction(() => {
      for (const id of alertIds) this.#fail.run(error, id);
    })();
  }

  setAside(alertId: string, reason: string): void {
    this.#reject.run(reason, alertId);
  }

  /** Puts alerts set aside back in line (at start: the cloud or this gateway may have been upgraded). */
  retryRejected(): number {
    return this.#db.prepare('UPDATE outbox SET rejected = 0 WHERE rejected = 1').run().changes;
  }

  counts(): { pending: number; rejected: number } {
    return this.#counts.get() as { pending: number; rejected: number };
  }
}
