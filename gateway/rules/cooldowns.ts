import type { SqliteDatabase } from '../../lib/sqlite.js';

const key = (ruleId: string, deviceId: string): string => `${ruleId}\u0000${deviceId}`;

/**
 * When each (rule, device) last cleared, for rules with a cooldown; and which raises the
 * cooldown held back, so that their clears are held back too (a clear of a raise never sent
 * would only puzzle the cloud).
 */
export class Cooldowns {
  readonly #db: SqliteDatabase;
  readonly #clearedAt = new Map<string, number>();
  readonly #heldBack = new Set<string>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  load(): void {
    const rows = this.#db.prepare('SELECT rule_id, device_id, cleared_at FROM alert_cooldowns').all() as Array<{
      rule_id: string;
      device_id: string;
      cleared_at: number;
    }>;
    for (const r of rows) this.#clearedAt.set(key(r.rule_id, r.device_id), r.cleared_at);
  }

  /** Whether a raise at `at` falls within `cooldownMs` of the last clear. */
  cooling(ruleId: string, deviceId: string, at: number, cooldownMs: number | undefined): boolean {
    if (!cooldownMs) return false;
    const cleared = this.#clearedAt.get(key(ruleId, deviceId));
    return cleared !== undefined && at < cleared + cooldownMs;
  }

  holdBack(ruleId: string, deviceId: string, episode: number): void {
    this.#heldBack.add(`${key(ruleId, deviceId)}\u0000${episode}`);
  }

  /** True (once) when this clear belongs to a raise that was held back. */
  takeHeldBack(ruleId: string, deviceId: string, episode: number): boolean {
    return this.#heldBack.delete(`${key(ruleId, deviceId)}\u0000${episode}`);
  }

  /** Records a clear; call inside the transaction that enqueues it. */
  cleared(ruleId: string, deviceId: string, at: number): void {
    this.#db
      .prepare(
        `INSERT INTO alert_cooldowns (rule_id, device_id, cleared_at) VALUES (?, ?, ?)
         ON CONFLICT (rule_id, device_id) DO UPDATE SET cleared_at = excluded.cleared_at`,
      )
      .run(ruleId, deviceId, at);
  }

  /** Memory follows the database only once the transaction committed. */
  committed(ruleId: string, deviceId: string, at: number): void {
    this.#clearedAt.set(key(ruleId, deviceId), at);
  }

  shift(deltaMs: number): void {
    for (const [k, t] of this.#clearedAt) this.#clearedAt.set(k, t + deltaMs);
    this.#db.prepare('UPDATE alert_cooldowns SET cleared_at = cleared_at + ?').run(deltaMs);
  }
}
