import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { isWorldReadable } from '../../lib/config-file.js';
import { EXAMPLE_SECRET_SHA256, isExampleSecret } from '../../lib/example-secrets.js';
import { redactUrl } from '../../lib/net/redact-url.js';
import { openDurableSqlite } from '../../lib/sqlite.js';
import { hashToken } from '../../lib/tokens.js';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('redactUrl (issue 12 item 13)', () => {
  test('a secret in the query string is replaced, whatever its case or escape; the rest stays', () => {
    expect(redactUrl('/v1/tickets?state=open&token=abc123&limit=5')).toBe('/v1/tickets?state=open&token=[redacted]&limit=5');
    expect(redactUrl('/v1/x?Access_Token=a&api%5Fkey=b&password=c&sig')).toBe('/v1/x?Access_Token=[redacted]&api%5Fkey=[redacted]&password=[redacted]&sig=[redacted]');
    expect(redactUrl('/v1/tickets')).toBe('/v1/tickets');
    expect(redactUrl('/v1/x?%E0%A4%A=1&household=hh-1')).toBe('/v1/x?%E0%A4%A=1&household=hh-1');
  });
});

describe('example secrets (issue 12 item 13)', () => {
  test('every token and password printed in examples/ and the README is known as an example', () => {
    const texts = [...readdirSync(join(root, 'examples')).map((f) => readFileSync(join(root, 'examples', f), 'utf8')), readFileSync(join(root, 'README.md'), 'utf8')].join('\n');
    const digests = [...texts.matchAll(/Sha256: *([0-9a-f]{64})/g)].map((m) => m[1]!);
    const plain = [...texts.matchAll(/(?:token: *|Bearer )([A-Za-z0-9_-]{32,})/g), ...texts.matchAll(/password: *(example-[a-z0-9-]+)/g)].map((m) => m[1]!);
    expect(digests.length).toBeGreaterThan(4);
    expect(plain.length).toBeGreaterThan(4);
    for (const d of digests) expect(EXAMPLE_SECRET_SHA256.has(d), d).toBe(true);
    for (const p of plain) expect(isExampleSecret(p), p).toBe(true);
    expect(isExampleSecret('a-token-of-my-own-making')).toBe(false);
    expect(EXAMPLE_SECRET_SHA256.has(hashToken('example-z2m-bridge-change-me'))).toBe(true);
  });
});

describe('files holding secrets (issue 12 item 13)', () => {
  test('a SQLite database (the outbox, the cloud) is created readable by its owner only', () => {
    const file = join(tempDir(), 'data', 'gateway.sqlite');
    const db = openDurableSqlite(file);
    db.exec('create table t (x)');
    db.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('a config readable by every user of the machine is told apart', () => {
    const file = join(tempDir(), 'gateway.yaml');
    writeFileSync(file, 'gatewayId: gw-1\n');
    chmodSync(file, 0o644);
    expect(isWorldReadable(file)).toBe(true);
    chmodSync(file, 0o600);
    expect(isWorldReadable(file)).toBe(false);
  });
});
