import type { SqliteDatabase } from '../../../lib/sqlite.js';
import type { Alert } from '../../../contract/alert.js';

const key = (ruleId: string, deviceId: string): string => `${ruleId}\u0000${deviceId}`;

export interface HeldRaise {
  alert: Alert;
  /** Episode of the held raise: it is sent only if the rule's state still has it open. */
  episode: number;
  releaseAt: number;
}

/**
 * Cooldowns after a clear: when each (rule, device) last cleared, and the raise a cooldown holds
 * back until it ends (sent then if its condition still holds; dropped, with its clear, if it
 * ended meanwhile). All of it is stored, so a restart neither loses a held raise nor sends the
 * clear of a raise that never went. Writes go in the caller's transaction; `apply` updates
 * memory once it committed.
 */
export class Cooldowns {
  readonly #db: SqliteDatabase;
  readonly #clearedAt = new Map<string, number>();
  readonly #held = new Map<string, HeldRaise>();
  readonly #upsertCleared;
  readonly #setHeld;

  constructor(db: SqliteDatabase) {
    this.#db = db;
    this.#upsertCleared = db.prepare(
      `INSERT INTO alert_cooldowns (rule_id, device_id, cleared_at) VALUES (?, ?, ?)
       ON CONFLICT (rule_id, device_id) DO UPDATE SET cleared_at = excluded.cleared_at`,
    );
    this.#setHeld = db.prepare('UPDATE alert_cooldowns SET held_alert = ?, release_at = ? WHERE rule_id = ? AND device_id = ?');
  }

  load(): void {
    const rows = this.#db.prepare('SELECT rule_id, device_id, cleared_at, held_alert, release_at FROM alert_cooldowns').all() as Array<{
      rule_id: string;
      device_id: string;
      cleared_at: number;
      held_alert: string | null;
      release_at: number | null;
    }>;
    for (const r of rows) {
      const k = key(r.rule_id, r.device_id);
      this.#clearedAt.set(k, r.cleared_at);
      if (r.held_alert !== null && r.release_at !== null) {
        const held = JSON.parse(r.held_alert) as { alert: Alert; episode: number };
        this.#held.set(k, { ...held, releaseAt: r.release_at });
      }
    }
  }

  /** When a raise at `at` would be sent: now (undefined), or when the cooldown after the last clear ends. */
  releaseAt(ruleId: string, deviceId: string, at: number, cooldownMs: number | undefined): number | undefined {
    if (!cooldownMs) return undefined;
    const cleared = this.#clearedAt.get(key(ruleId, deviceId));
    return cleared !== undefined && at < cleared + cooldownMs ? cleared + cooldownMs : undefined;
  }

  held(ruleId: string, deviceId: string): HeldRaise | undefined {
    return this.#held.get(key(ruleId, deviceId));
  }

  /** In the transaction: a clear was sent. Returns the memory update to apply after commit. */
  cleared(ruleId: string, deviceId: string, at: number): () => void {
    this.#upsertCleared.run(ruleId, deviceId, at);
    return () => this.#clearedAt.set(key(ruleId, deviceId), at);
  }

  /** In the transaction: hold a raise until `releaseAt`. */
  hold(ruleId: string, deviceId: string, held: HeldRaise): () => void {
    this.#setHeld.run(JSON.stringify({ alert: held.alert, episode: held.episode }), held.releaseAt, ruleId, deviceId);
    return () => this.#held.set(key(ruleId, deviceId), held);
  }

  /** In the transaction: the held raise went out, or its condition ended. */
  drop(ruleId: string, deviceId: string): () => void {
    this.#setHeld.run(null, null, ruleId, deviceId);
    return () => this.#held.delete(key(ruleId, deviceId));
  }

  shift(deltaMs: number): void {
    for (const [k, t] of this.#clearedAt) this.#clearedAt.set(k, t + deltaMs);
    for (const [k, h] of this.#held) this.#held.set(k, { ...h, releaseAt: h.releaseAt + deltaMs });
    this.#db.prepare('UPDATE alert_cooldowns SET cleared_at = cleared_at + ?, release_at = release_at + ?').run(deltaMs, deltaMs);
  }
}
