import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Bearer tokens. The configuration holds only SHA-256 digests, so a leaked config file or backup
 * does not let anyone post alerts. Tokens are 32 random bytes, so a plain (unsalted) hash is enough.
 */

/** The lower-case hex SHA-256 of a token, as written in config (`tokenSha256`). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token for a gateway or reader: hand `token` to it, put `sha256` in the cloud config. */
export function generateToken(): { token: string; sha256: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, sha256: hashToken(token) };
}

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
