import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Secrets (gateway and reader tokens, device MQTT passwords). Configuration holds only SHA-256
 * digests, so a leaked config file or backup lets nobody in. Generated tokens are 32 random bytes,
 * so a plain (unsalted) hash is enough.
 */

/** The lower-case hex SHA-256 of a secret, as written in config. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new secret: hand `token` to its holder, put `sha256` in the config. */
export function generateToken(): { token: string; sha256: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, sha256: hashToken(token) };
}

/** Whether `secret` hashes to `sha256`, in constant time. */
export function matchesHash(secret: string, sha256: string): boolean {
  const a = Buffer.from(hashToken(secret), 'hex');
  const b = Buffer.from(sha256, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export const sha256HexSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'the SHA-256 of the secret as 64 hex digits (never the secret itself; gridwatch token makes one)')
  .transform((hex) => hex.toLowerCase());
