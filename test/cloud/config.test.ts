import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cloudConfigSchema, loadCloudConfig } from '../../cloud/config.js';
import { hashToken } from '../../cloud/http/auth.js';
import { InputError } from '../../lib/validation.js';
import { makeTempDir } from '../support/temp-dir.js';

const dir = makeTempDir('gridwatch-config-');
afterAll(() => dir.remove());

function writeConfig(name: string, text: string): string {
  const file = join(dir.path, name);
  writeFileSync(file, text);
  return file;
}

const GW = hashToken('gateway-token');
const READER = hashToken('reader-token');

describe('loadCloudConfig', () => {
  test('fills the defaults', () => {
    const file = writeConfig('minimal.yaml', `gateways:\n  - { id: gw-1, tokenSha256: ${GW} }\n`);
    expect(loadCloudConfig(file, {})).toEqual({
      http: { host: '127.0.0.1', port: 8080 },
      sqlitePath: './data/cloud.sqlite',
      bodyLimitBytes: 1_048_576,
      readingsBodyLimitBytes: 8_388_608,
      rateLimits: { alerts: { perSecond: 10_000, burst: 20_000 }, readings: { perSecond: 100_000, burst: 200_000 } },
      gateways: [{ id: 'gw-1', tokenSha256: GW }],
      readers: [],
    });
  });

  test('takes DATABASE_URL when the file names no database, and the file wins when it does', () => {
    const none = writeConfig('no-db.yaml', 'http: { port: 0 }\n');
    expect(loadCloudConfig(none, { DATABASE_URL: 'postgres://db/one' }).databaseUrl).toBe('postgres://db/one');
    const own = writeConfig('own-db.yaml', 'databaseUrl: postgresql://db/two\n');
    expect(loadCloudConfig(own, { DATABASE_URL: 'postgres://db/one' }).databaseUrl).toBe('postgresql://db/two');
  });

  test('an error names the file and each field', () => {
    const file = writeConfig('bad.yaml', [
      'http: { port: 70000 }',
      'gateways:',
      '  - { id: gw-1, tokenSha256: not-a-digest }',
      'readers:',
      '  - { name: console, tokenSha256: ' + READER + ', colour: blue }',
    ].join('\n'));
    let error: unknown;
    try {
      loadCloudConfig(file, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as InputError).message;
    expect(message).toContain(`${file}: http.port:`);
    expect(message).toContain(`${file}: gateways[0].tokenSha256: the SHA-256 of the secret`);
    expect(message).toContain(`${file}: readers[0]:`);
    expect((error as InputError).issues.map((i) => i.path)).toEqual(['http.port', 'gateways[0].tokenSha256', 'readers[0]']);
  });

  test('a database URL that is not PostgreSQL is refused, also from DATABASE_URL', () => {
    const file = writeConfig('no-db-2.yaml', '{}\n');
    expect(() => loadCloudConfig(file, { DATABASE_URL: 'mysql://db/x' })).toThrow(/databaseUrl: must start with postgres:\/\//);
  });

  test('one token for a gateway and a reader is refused: gateways must not read tickets', () => {
    const file = writeConfig('shared.yaml', `gateways: [{ id: gw-1, tokenSha256: ${GW} }]\nreaders: [{ name: console, tokenSha256: ${GW.toUpperCase()} }]\n`);
    expect(() => loadCloudConfig(file, {})).toThrow(/readers\[0\]\.tokenSha256: the same token as gateways\[0\]/);
  });

  test('a duplicate gateway id is refused, naming both', () => {
    const other = hashToken('other');
    const file = writeConfig('dup.yaml', `gateways: [{ id: gw-1, tokenSha256: ${GW} }, { id: gw-1, tokenSha256: ${other} }]\n`);
    expect(() => loadCloudConfig(file, {})).toThrow(/gateways\[1\]\.id: "gw-1" is already gateways\[0\]/);
  });

  test('a file that is not YAML or does not exist is named', () => {
    const file = writeConfig('broken.yaml', 'http: { port: 1\n');
    expect(() => loadCloudConfig(file, {})).toThrow(new RegExp(`^${file.replace(/[.]/g, '\\.')}: not valid YAML`));
    expect(() => loadCloudConfig(join(dir.path, 'missing.yaml'), {})).toThrow(/missing\.yaml: cannot read/);
  });
});

describe('telemetry and rate limits in cloud.yaml', () => {
  test('telemetry is optional; when given, its tuning has defaults', () => {
    const file = writeConfig('telemetry.yaml', 'telemetry: { url: "http://victoriametrics:8428", org: gridwatch, bucket: readings }\n');
    expect(loadCloudConfig(file, {}).telemetry).toEqual({
      url: 'http://victoriametrics:8428',
      org: 'gridwatch',
      bucket: 'readings',
      batchSize: 5_000,
      timeoutMs: 2_000,
      attempts: 3,
    });
  });

  test('errors name the field: telemetry.url, telemetry.bucket, telemetry.colour, rateLimits.readings.burst', () => {
    const file = writeConfig('bad-telemetry.yaml', [
      'telemetry: { url: "ftp://store", org: gridwatch, colour: blue }',
      'rateLimits: { readings: { perSecond: 100, burst: 1000 }, alerts: { perSecond: 0, burst: 500 } }',
    ].join('\n'));
    let error: unknown;
    try {
      loadCloudConfig(file, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const issues = (error as InputError).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['rateLimits.alerts.perSecond', 'rateLimits.readings.burst', 'telemetry', 'telemetry.bucket', 'telemetry.url']);
    expect(issues.find((i) => i.path === 'telemetry.url')?.message).toBe('an http:// or https:// URL of the telemetry store');
    expect(issues.find((i) => i.path === 'rateLimits.readings.burst')?.message).toBe('at least 5000, the largest batch a gateway may send');
    expect((error as InputError).message).toContain(`${file}: telemetry.url: `);
  });
});

describe('cloudConfigSchema', () => {
  test('accepts a config built in code, without reading the environment', () => {
    const config = cloudConfigSchema.parse({ http: { port: 0 }, readers: [{ name: 'cli', tokenSha256: READER }] });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 0 });
    expect(config.databaseUrl).toBeUndefined();
  });
});
