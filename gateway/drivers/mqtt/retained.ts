/** Caps on what the broker keeps as retained messages (aedes' in-memory persistence has none). */
export interface RetainedLimits {
  perClientMessages: number;
  perClientBytes: number;
  totalMessages: number;
  totalBytes: number;
}

/**
 * Defaults: room for a Zigbee2MQTT bridge's retained state (bridge/devices up to 1 MiB,
 * definitions, an availability topic per device) and the wills of a building's devices, not for
 * a client that retains to fill the gateway's memory.
 */
export const DEFAULT_RETAINED_LIMITS: RetainedLimits = {
  perClientMessages: 200,
  perClientBytes: 4 * 1024 * 1024,
  totalMessages: 10_000,
  totalBytes: 64 * 1024 * 1024,
};

interface Usage {
  messages: number;
  bytes: number;
}

/**
 * Accounts for the retained messages the broker keeps, by topic and by the client identity that
 * retained them, so that a retained publish over a cap can be stored as a plain one instead.
 * A new retained message replaces its topic's old one (whoever retained it). O(1) per publish.
 */
export class RetainedLedger {
  readonly #byTopic = new Map<string, { owner: string; bytes: number }>();
  readonly #byOwner = new Map<string, Usage>();
  readonly #total: Usage = { messages: 0, bytes: 0 };

  constructor(private readonly limits: RetainedLimits = DEFAULT_RETAINED_LIMITS) {}

  /** Whether `owner` may retain `bytes` on `topic`; if so, it is counted as stored. */
  admit(topic: string, owner: string, bytes: number): boolean {
    const old = this.#byTopic.get(topic);
    const mine = this.#byOwner.get(owner) ?? { messages: 0, bytes: 0 };
    const freedMine = old?.owner === owner ? old : undefined;
    const ownerAfter = { messages: mine.messages + 1 - (freedMine ? 1 : 0), bytes: mine.bytes + bytes - (freedMine?.bytes ?? 0) };
    const totalAfter = { messages: this.#total.messages + 1 - (old ? 1 : 0), bytes: this.#total.bytes + bytes - (old?.bytes ?? 0) };
    const l = this.limits;
    if (ownerAfter.messages > l.perClientMessages || ownerAfter.bytes > l.perClientBytes) return false;
    if (totalAfter.messages > l.totalMessages || totalAfter.bytes > l.totalBytes) return false;
    if (old) this.clear(topic);
    this.#byTopic.set(topic, { owner, bytes });
    this.#add(owner, 1, bytes);
    return true;
  }

  /** The topic's retained message is gone (an empty retained publish). */
  clear(topic: string): void {
    const old = this.#byTopic.get(topic);
    if (!old) return;
    this.#byTopic.delete(topic);
    this.#add(old.owner, -1, -old.bytes);
  }

  usage(owner?: string): Usage {
    return owner === undefined ? { ...this.#total } : { ...(this.#byOwner.get(owner) ?? { messages: 0, bytes: 0 }) };
  }

  #add(owner: string, messages: number, bytes: number): void {
    const u = this.#byOwner.get(owner) ?? { messages: 0, bytes: 0 };
    u.messages += messages;
    u.bytes += bytes;
    if (u.messages === 0) this.#byOwner.delete(owner);
    else this.#byOwner.set(owner, u);
    this.#total.messages += messages;
    this.#total.bytes += bytes;
  }
}
