import type { Logger } from '../../lib/log.js';
import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { WireReading } from '../../contract/ingest-wire.js';
import type { Reading } from '../../contract/reading.js';
import type { DeviceContext } from '../../contract/device-context.js';

/** Bytes a queued reading costs beyond its JSON body (row header, seq, index entry): an estimate. */
const ROW_OVERHEAD_BYTES = 24;

export interface ReadingsLaneOptions {
  /** Most bytes queued readings may take; past it the oldest are dropped and counted. */
  quotaBytes: number;
  /**
   * Readings wait in memory at most this long (wall ms) before they are committed together; 0
   * commits at the end of the event loop's turn: whatever arrived in one turn (under load, many
   * frames) shares one fsync, and a lone reading waits for nothing. @default 0
   */
  flushMs?: number;
  /** ... or until this many are waiting. @default 2000 */
  maxPending?: number;
  logger: Logger;
}

export interface ReadingsLaneCounts {
  /** Committed and not yet confirmed by the cloud. */
  queued: number;
  queuedBytes: number;
  /** Dropped, oldest first, because the quota was full (since the database was made; kept across restarts). */
  dropped: number;
  /** Taken, not yet committed. */
  pending: number;
}

/**
 * The readings lane of the outbox: every reading the drivers take goes here for the cloud's
 * telemetry, committed in groups (one fsync per `flushMs`, not per reading). A driver that
 * acknowledges its device (the MQTT PUBACK, the watch protocol's echo) waits for `durable()`, so
 * an acknowledged reading is on disk. Unlike alerts, readings have a quota: when it is full the
 * oldest are dropped, and counted. Each reading has a `seq` in this gateway's stream; the cloud
 * commits each seq once.
 */
export class ReadingsLane {
  readonly stream: string;
  readonly #db: SqliteDatabase;
  readonly #o: Required<ReadingsLaneOptions>;
  readonly #insert;
  readonly #peek;
  readonly #oldest;
  readonly #deleteUpTo;
  readonly #bytesUpTo;
  readonly #setDropped;
  readonly #bytesOf;
  readonly #deleteOne;
  #pending: string[] = [];
  #queued = 0;
  #queuedBytes = 0;
  #dropped = 0;
  #waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  #timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(db: SqliteDatabase, options: ReadingsLaneOptions) {
    this.#db = db;
    this.#o = { flushMs: 0, maxPending: 2_000, ...options };
    this.#insert = db.prepare('INSERT INTO readings_outbox (body) VALUES (?)');
    this.#peek = db.prepare('SELECT seq, body FROM readings_outbox ORDER BY seq LIMIT ?');
    this.#oldest = db.prepare('SELECT seq, length(body) AS bytes FROM readings_outbox ORDER BY seq LIMIT ?');
    this.#deleteUpTo = db.prepare('DELETE FROM readings_outbox WHERE seq <= ?');
    this.#bytesUpTo = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(length(body)), 0) AS bytes FROM readings_outbox WHERE seq <= ?');
    this.#setDropped = db.prepare("UPDATE gateway_meta SET value = ? WHERE key = 'readings_dropped'");
    this.#bytesOf = db.prepare('SELECT length(body) AS bytes FROM readings_outbox WHERE seq = ?');
    this.#deleteOne = db.prepare('DELETE FROM readings_outbox WHERE seq = ?');
    this.stream = (db.prepare("SELECT value FROM gateway_meta WHERE key = 'readings_stream'").get() as { value: string }).value;
    this.#recount();
  }

  /** Takes a reading; it is committed within flushMs (see durable()). */
  add(reading: Reading, device: DeviceContext): void {
    const body: Omit<WireReading, 'seq'> = {
      householdId: device.householdId,
      deviceId: reading.deviceId,
      at: new Date(reading.at).toISOString(),
      metrics: reading.metrics,
    };
    this.#pending.push(JSON.stringify(body));
    if (this.#pending.length >= this.#o.maxPending) this.flush();
    else this.#timer ??= this.#o.flushMs > 0 ? setTimeout(() => this.flush(), this.#o.flushMs) : setImmediate(() => this.flush());
  }

  /** Resolves once everything taken so far is committed; rejects if that commit failed. */
  durable(): Promise<void> {
    if (this.#pending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Commits what is waiting now, in one transaction, then applies the quota. */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
    }
    this.#timer = null;
    const bodies = this.#pending;
    const waiters = this.#waiters;
    this.#pending = [];
    this.#waiters = [];
    if (bodies.length === 0) {
      for (const w of waiters) w.resolve();
      return;
    }
    try {
      let bytes = 0;
      this.#db.transaction(() => {
        for (const body of bodies) {
          this.#insert.run(body);
          bytes += body.length + ROW_OVERHEAD_BYTES;
        }
        this.#queued += bodies.length;
        this.#queuedBytes += bytes;
        this.#applyQuota();
      })();
    } catch (err) {
      // Nothing of this group was acknowledged: its devices send again.
      for (const w of waiters) w.reject(err as Error);
      this.#o.logger.error({ err, readings: bodies.length }, 'cannot store readings; not acknowledged, so devices send them again; check the disk of the data directory');
      try {
        this.#recount();
      } catch (recountErr) {
        this.#o.logger.error({ err: recountErr }, 'cannot read the readings queue');
      }
      return;
    }
    for (const w of waiters) w.resolve();
    for (const listener of this.#listeners) listener();
  }

  onCommitted(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The oldest queued readings, in stream order. */
  peek(limit: number): WireReading[] {
    const rows = this.#peek.all(limit) as Array<{ seq: number; body: string }>;
    return rows.map((r) => ({ seq: r.seq, ...(JSON.parse(r.body) as Omit<WireReading, 'seq'>) }));
  }

  /** The cloud committed the stream up to `seq`: those readings may go. */
  acknowledgeUpTo(seq: number): void {
    this.#db.transaction(() => {
      const { n, bytes } = this.#bytesUpTo.get(seq) as { n: number; bytes: number };
      this.#deleteUpTo.run(seq);
      this.#queued -= n;
      this.#queuedBytes -= bytes + n * ROW_OVERHEAD_BYTES;
    })();
  }

  /** Readings the cloud refused as invalid can never be delivered: they go (the uplink counts them). */
  dropSeqs(seqs: readonly number[]): number {
    let dropped = 0;
    this.#db.transaction(() => {
      for (const seq of seqs) {
        const row = this.#bytesOf.get(seq) as { bytes: number } | undefined;
        if (!row) continue;
        this.#deleteOne.run(seq);
        this.#queued--;
        this.#queuedBytes -= row.bytes + ROW_OVERHEAD_BYTES;
        dropped++;
      }
    })();
    return dropped;
  }

  counts(): ReadingsLaneCounts {
    return { queued: this.#queued, queuedBytes: this.#queuedBytes, dropped: this.#dropped, pending: this.#pending.length };
  }

  close(): void {
    this.flush();
  }

  /** Inside the insert's transaction: drop the oldest down to 95 % of the quota, and count them. */
  #applyQuota(): void {
    if (this.#queuedBytes <= this.#o.quotaBytes) return;
    const target = this.#o.quotaBytes * 0.95;
    let freed = 0;
    let lastSeq = 0;
    let n = 0;
    const over = this.#queuedBytes - target;
    for (let chunk = 1_000; freed < over; chunk *= 2) {
      const rows = this.#oldest.all(chunk) as Array<{ seq: number; bytes: number }>;
      for (const row of rows.slice(n)) {
        freed += row.bytes + ROW_OVERHEAD_BYTES;
        lastSeq = row.seq;
        n++;
        if (freed >= over) break;
      }
      if (rows.length < chunk) break;
    }
    if (n === 0) return;
    this.#deleteUpTo.run(lastSeq);
    this.#queued -= n;
    this.#queuedBytes -= freed;
    this.#dropped += n;
    this.#setDropped.run(String(this.#dropped));
    this.#o.logger.warn({ dropped: n, total: this.#dropped, quotaBytes: this.#o.quotaBytes }, 'readings quota full: the oldest readings were dropped (alerts are never dropped)');
  }

  /** Counts from the database: at start, and after a commit that failed. */
  #recount(): void {
    const totals = this.#db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(length(body)), 0) AS bytes FROM readings_outbox').get() as { n: number; bytes: number };
    this.#queued = totals.n;
    this.#queuedBytes = totals.bytes + totals.n * ROW_OVERHEAD_BYTES;
    this.#dropped = Number((this.#db.prepare("SELECT value FROM gateway_meta WHERE key = 'readings_dropped'").get() as { value: string }).value);
  }
}
