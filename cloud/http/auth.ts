import { createHash, timingSafeEqual } from 'node:crypto';

/** Bearer tokens; the config holds only their SHA-256 (lib/tokens.ts). */
export { generateToken, hashToken } from '../../lib/tokens.js';

/** The token of an `Authorization: Bearer <token>` header; null when absent or another scheme. */
export function parseBearer(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

export interface TokenEntry<P> {
  /** Hex SHA-256 of the token. */
  sha256: string;
  /** Who presents it: a gateway id, a reader name. */
  principal: P;
}

export type AuthResult<P> = { ok: true; principal: P } | { ok: false; reason: 'missing' | 'unknown' };

/**
 * Builds a check of Authorization headers against known token digests. Every digest is compared
 * in constant time and the loop never stops early, so timing tells nothing about which one was close.
 */
export function createTokenVerifier<P>(entries: ReadonlyArray<TokenEntry<P>>): (authorization: string | undefined) => AuthResult<P> {
  const known = entries.map((e) => ({ digest: Buffer.from(e.sha256.toLowerCase(), 'hex'), principal: e.principal }));
  return (authorization) => {
    const token = parseBearer(authorization);
    if (token === null) return { ok: false, reason: 'missing' };
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let found: { principal: P } | undefined;
    for (const k of known) {
      if (k.digest.length === digest.length && timingSafeEqual(k.digest, digest)) found ??= k;
    }
    return found ? { ok: true, principal: found.principal } : { ok: false, reason: 'unknown' };
  };
}
