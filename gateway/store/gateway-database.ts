import { join } from 'node:path';
import { openDurableSqlite, type SqliteDatabase } from '../../lib/sqlite.js';

/**
 * The gateway keeps everything that must survive a restart in one SQLite file, so that a rule's
 * state and the alert it emits are committed in one transaction: the outbox and the rule state.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     alert_id TEXT NOT NULL UNIQUE,
     device_id TEXT NOT NULL,
     body TEXT NOT NULL,
     enqueued_at INTEGER NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     last_error TEXT,
     rejected INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE rule_state (
     rule_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     state TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (rule_id, device_id)
   );
   CREATE TABLE gateway_runs (
     started_at INTEGER NOT NULL,
     alive_at INTEGER NOT NULL
   );`,
  `CREATE TABLE alert_cooldowns (
     rule_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     cleared_at INTEGER NOT NULL,
     PRIMARY KEY (rule_id, device_id)
   );`,
  `ALTER TABLE alert_cooldowns ADD COLUMN held_alert TEXT;
   ALTER TABLE alert_cooldowns ADD COLUMN release_at INTEGER;`,
  // Life-safety alerts (P1: SOS, fall...) go first; readings get their own lane with a quota.
  `ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
   UPDATE outbox SET priority = 0 WHERE json_extract(body, '$.grade') = 'P1';
   CREATE INDEX outbox_priority ON outbox (priority, rejected);
   CREATE TABLE readings_outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     body TEXT NOT NULL
   );
   CREATE TABLE gateway_meta (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   );
   INSERT INTO gateway_meta (key, value) VALUES ('readings_stream', lower(hex(randomblob(16)))), ('readings_dropped', '0');`,
  // QoS 1 frames with events as first received: a resend after a crash is the same press (gateway/drivers/mqtt/resends.ts).
  `CREATE TABLE mqtt_receipts (
     client_id TEXT NOT NULL,
     message_id INTEGER NOT NULL,
     topic TEXT NOT NULL,
     payload_sha256 TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (client_id, message_id)
   );
   CREATE INDEX mqtt_receipts_received_at ON mqtt_receipts (received_at);`,
];

export function openGatewayDatabase(dataDir: string): SqliteDatabase {
  const db = openDurableSqlite(dataDir === ':memory:' ? ':memory:' : join(dataDir, 'gateway.sqlite'));
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new Error(`${dataDir}/gateway.sqlite was written by a newer gridwatch (schema ${version}); upgrade this gateway`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
