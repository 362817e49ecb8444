/** What owns a client id: the identity that logged in with it (`device:wm-1`, `bridge:zigbee2mqtt`). */
export type IdentityKey = string;

interface Binding {
  owner: IdentityKey;
  /** The connection that holds the id now, if any. */
  holder: object | undefined;
  /** Whether the broker keeps a session for the id after its holder leaves (CONNECT clean=false). */
  persistent: boolean;
}

/**
 * Binds each MQTT client id to the identity that logged in with it. MQTT lets a CONNECT with a
 * connected client's id take that client's place (and resume its persistent session, queued
 * messages and all): any device could then keep another one, an SOS band, offline by logging in
 * with its id in a loop. So a client id belongs to one identity while it is connected or while
 * the broker keeps a session for it; a device's own reconnect still takes over its old session.
 *
 * A clean-session id is free again once its holder has gone; a persistent session's id stays
 * bound as long as the broker (its in-memory persistence) runs.
 */
export class ClientIdBindings {
  readonly #bindings = new Map<string, Binding>();

  /**
   * Claims `clientId` for `owner` on behalf of `holder` (a new connection): false when it belongs
   * to another identity.
   */
  claim(clientId: string, owner: IdentityKey, holder: object, persistent: boolean): boolean {
    const current = this.#bindings.get(clientId);
    if (current && current.owner !== owner) return false;
    // A clean session wipes an old one: the id then stays bound only while this holder is there.
    this.#bindings.set(clientId, { owner, holder, persistent });
    return true;
  }

  /** The connection `holder` has gone: a clean-session id is free again. */
  release(clientId: string, holder: object): void {
    const current = this.#bindings.get(clientId);
    if (!current || current.holder !== holder) return; // taken over by a newer connection of its owner
    if (current.persistent) current.holder = undefined;
    else this.#bindings.delete(clientId);
  }

  ownerOf(clientId: string): IdentityKey | undefined {
    return this.#bindings.get(clientId)?.owner;
  }

  get size(): number {
    return this.#bindings.size;
  }
}
