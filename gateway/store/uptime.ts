import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { OfflineSpan } from '../../lib/time/offline-spans.js';

const RUNS_KEPT = 50;

/**
 * Remembers when the gateway ran, so rules can tell "the device was silent" from "we were not
 * listening": a reading gap that overlaps a gateway restart is not the device's silence.
 */
export class Uptime {
  readonly #db: SqliteDatabase;
  #runId: number | bigint | null = null;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /**
   * Records the start of this run and returns the spans the gateway was down, oldest first, and
   * the step of the wall clock across the restart: a clock now earlier than when the last run was
   * last alive went back (an RTC that lost its battery boots in 1970), so stored instants must
   * move by `stepMs` (the downtime is then unknown and taken as none).
   */
  begin(now: number): { offline: OfflineSpan[]; stepMs: number } {
    const last = this.#db.prepare('SELECT MAX(alive_at) AS alive FROM gateway_runs').get() as { alive: number | null };
    const stepMs = last.alive !== null && now < last.alive ? now - last.alive : 0;
    const runs = this.#db.prepare('SELECT started_at, alive_at FROM gateway_runs ORDER BY rowid').all() as Array<{
      started_at: number;
      alive_at: number;
    }>;
    const spans: OfflineSpan[] = [];
    for (let i = 0; i < runs.length; i++) {
      const downFrom = runs[i]!.alive_at;
      // After a step back the last downtime is unknown, and taken as none.
      const downTo = i + 1 < runs.length ? runs[i + 1]!.started_at : stepMs !== 0 ? downFrom : now;
      if (downTo > downFrom) spans.push([downFrom, downTo]);
    }
    // The spans stay on the old time line: the engine moves them with the rest (shiftTime).
    if (stepMs !== 0) this.shift(stepMs);
    this.#runId = this.#db.prepare('INSERT INTO gateway_runs (started_at, alive_at) VALUES (?, ?)').run(now, now).lastInsertRowid;
    this.#db
      .prepare('DELETE FROM gateway_runs WHERE rowid NOT IN (SELECT rowid FROM gateway_runs ORDER BY rowid DESC LIMIT ?)')
      .run(RUNS_KEPT);
    return { offline: spans, stepMs };
  }

  /** Moves every recorded instant by a step of the wall clock. */
  shift(deltaMs: number): void {
    this.#db.prepare('UPDATE gateway_runs SET started_at = started_at + ?, alive_at = alive_at + ?').run(deltaMs, deltaMs);
  }

  /** The machine slept during [from, to]: this run ends at `from`, and a new one starts at `to`. */
  recordGap(from: number, to: number): void {
    if (this.#runId === null) return;
    this.#db.prepare('UPDATE gateway_runs SET alive_at = ? WHERE rowid = ?').run(from, this.#runId);
    this.#runId = this.#db.prepare('INSERT INTO gateway_runs (started_at, alive_at) VALUES (?, ?)').run(to, to).lastInsertRowid;
  }

  /** Notes that the gateway was still running at `now` (called with every state flush). */
  alive(now: number): void {
    if (this.#runId === null) return;
    this.#db.prepare('UPDATE gateway_runs SET alive_at = MAX(alive_at, ?) WHERE rowid = ?').run(now, this.#runId);
  }
}
