import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/gridwatch.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = { ...process.env, DATABASE_URL: '' };
const run = (args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { env });
/** Exactly what the README tells a user to type, npm's own output included. */
const npmRunDemo = (args: string[]) => promisify(execFile)('npm', ['run', 'demo', '--', ...args], { cwd: ROOT, env });

describe('npm run demo', () => {
  test('npm run demo -- --json prints one JSON ticket per line and nothing else: one no-water-use ticket, for the household whose water stopped', async () => {
    const { stdout, stderr } = await npmRunDemo(['--json']);
    const lines = stdout.trim().split('\n');
    const tickets = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ householdId: 'hh-102', deviceId: 'wm-102', rule: 'no-water-use', grade: 'P2', state: 'open' });
    for (const key of ['id', 'householdId', 'deviceId', 'rule', 'grade', 'state', 'openedAt']) expect(tickets[0]).toHaveProperty(key);
    // The water stopped on Tuesday 10:00 in Shanghai; the alert comes 24 h after the last use.
    const openedAt = Date.parse(tickets[0]!.openedAt as string);
    expect(openedAt).toBeGreaterThan(Date.parse('2026-11-25T00:00:00+08:00'));
    expect(openedAt).toBeLessThanOrEqual(Date.parse('2026-11-25T10:15:00+08:00'));
    expect(stderr).toMatch(/3 simulated days in [\d.]+ s/);
  });

  test('without --json it prints the ticket for people and exits 0', async () => {
    const { stdout } = await run(['demo', '--days', '2', '--households', '4']);
    expect(stdout).toMatch(/P2 open\s+household hh-102\s+device wm-102/);
    expect(stdout).toMatch(/no water use: [\d.]+ L in 24h/);
  });
});
