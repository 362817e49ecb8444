import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens a SQLite file for data that must survive a power cut: WAL journal, synchronous=FULL
 * (every commit is fsynced before it returns). Both settings are read back, because a file on a
 * filesystem that refuses WAL silently stays in another mode.
 */
export function openDurableSqlite(file: string): SqliteDatabase {
  const created = file !== ':memory:' && !existsSync(file);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  // Residents' alerts and the gateway's secrets live here: owner only. SQLite gives its -wal and
  // -shm files the database file's mode.
  if (created) chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  if (file !== ':memory:') {
    const mode = db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal') {
      db.close();
      throw new Error(`${file}: SQLite refused WAL mode (got "${String(mode)}"); put the data directory on a local filesystem`);
    }
  }
  const sync = db.pragma('synchronous', { simple: true });
  if (sync !== 2) {
    db.close();
    throw new Error(`${file}: SQLite synchronous is ${String(sync)}, expected 2 (FULL)`);
  }
  return db;
}
