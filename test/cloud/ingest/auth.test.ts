import { describe, expect, test } from 'vitest';
import { createTokenVerifier, generateToken, hashToken, parseBearer } from '../../../cloud/http/auth.js';

describe('tokens', () => {
  test('hashToken is the hex SHA-256 of the token', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('generateToken gives 32 random bytes as base64url, with their digest', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.sha256).toBe(hashToken(a.token));
    expect(b.token).not.toBe(a.token);
  });

  test('parseBearer takes the token of a Bearer header only', () => {
    expect(parseBearer('Bearer abc')).toBe('abc');
    expect(parseBearer('bearer  abc ')).toBe('abc');
    expect(parseBearer('Basic YWxhZGRpbjpvcGVuc2VzYW1l')).toBeNull();
    expect(parseBearer('Bearer a b')).toBeNull();
    expect(parseBearer(undefined)).toBeNull();
  });

  test('the verifier names the principal of a known token and tells missing from unknown', () => {
    const gw1 = generateToken();
    const gw2 = generateToken();
    const verify = createTokenVerifier([
      { sha256: gw1.sha256, principal: 'gw-1' },
      { sha256: gw2.sha256.toUpperCase(), principal: 'gw-2' },
    ]);
    expect(verify(`Bearer ${gw1.token}`)).toEqual({ ok: true, principal: 'gw-1' });
    expect(verify(`Bearer ${gw2.token}`)).toEqual({ ok: true, principal: 'gw-2' });
    expect(verify(`Bearer ${gw1.sha256}`)).toEqual({ ok: false, reason: 'unknown' });
    expect(verify('Bearer ')).toEqual({ ok: false, reason: 'missing' });
    expect(verify(undefined)).toEqual({ ok: false, reason: 'missing' });
  });
});
