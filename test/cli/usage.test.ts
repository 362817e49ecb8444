import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

const BIN = fileURLToPath(new URL('../../bin/gridwatch.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('gridwatch command line', () => {
  test('an unknown command exits 2 and shows the commands', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate"/);
    expect(r.stderr).toMatch(/gridwatch gateway --config/);
  });

  test('a missing --config is a usage error', async () => {
    const r = await run(['gateway']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--config is required/);
  });

  test('an unknown option is named', async () => {
    const r = await run(['demo', '--dayz', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--dayz/);
  });

  test('a bad demo option names the option and the problem', async () => {
    const r = await run(['demo', '--days', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/days: the water must stop for 24 h/);
  });

  test('a gateway config with errors names the file and every bad field', async () => {
    const file = join(tempDir(), 'gateway.yaml');
    writeFileSync(file, 'gatewayId: "gw 1"\nmqtt: { port: 70000 }\ncloud: { url: "ftp://x" }\ndevices: []\n');
    const r = await run(['gateway', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: gatewayId:`);
    expect(r.stderr).toContain(`${file}: mqtt.port:`);
    expect(r.stderr).toContain(`${file}: cloud.url:`);
    expect(r.stderr).toContain(`${file}: devices: list at least one device`);
  });

  test('a device with an unknown profile is named with its index', async () => {
    const file = join(tempDir(), 'gateway.yaml');
    writeFileSync(
      file,
      'gatewayId: gw-1\ndataDir: ' + join(tempDir(), 'd') + '\nmqtt: { port: 0 }\ncloud: { url: "http://127.0.0.1:1", token: "0123456789abcdef0123" }\n' +
        'devices:\n  - { id: wm-1, householdId: hh-1, profile: generic/mqtt-water-flow }\n  - { id: wm-2, householdId: hh-1, profile: acme/nothing }\n',
    );
    const r = await run(['gateway', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/devices\[1\]\.profile: unknown profile "acme\/nothing"/);
  });

  test('token prints a token and its SHA-256', async () => {
    const r = await run(['token', '--json']);
    expect(r.code).toBe(0);
    const { token, sha256 } = JSON.parse(r.stdout) as { token: string; sha256: string };
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
