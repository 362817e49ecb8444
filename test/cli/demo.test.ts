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
  test('npm run demo -- --json prints one JSON ticket per line and nothing else: exactly the four incidents of the story, over every protocol', async () => {
    const { stdout, stderr } = await npmRunDemo(['--json']);
    const lines = stdout.trim().split('\n');
    const tickets = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(tickets.map((t) => [t.householdId, t.deviceId, t.rule, t.grade])).toEqual([
      ['hh-102', 'band-102', 'sos', 'P1'], // MQTT wristband
      ['hh-103', 'wb-103', 'fall', 'P1'], // 4G wristband, watch protocol over TCP
      ['site-7', 'noise-7', 'night-noise', 'P3'], // Modbus RTU behind a serial device server
      ['hh-102', 'wm-102', 'no-water-use', 'P2'], // MQTT flow monitor
    ]);
    for (const t of tickets) for (const key of ['id', 'householdId', 'deviceId', 'rule', 'grade', 'state', 'openedAt']) expect(t).toHaveProperty(key);
    // The water stopped on Tuesday 10:00 in Shanghai; the alert comes 24 h after the last use.
    const openedAt = Date.parse(tickets[3]!.openedAt as string);
    expect(openedAt).toBeGreaterThan(Date.parse('2026-11-25T00:00:00+08:00'));
    expect(openedAt).toBeLessThanOrEqual(Date.parse('2026-11-25T10:15:00+08:00'));
    expect(stderr).toMatch(/3 simulated days in [\d.]+ s/);
    // The normal household hh-101 (water, door, SOS button, SDM120 on Modbus TCP, DL/T 645 meter) raised nothing.
    expect(tickets.some((t) => t.householdId === 'hh-101')).toBe(false);
    expect(stderr).toMatch(/10 devices \(1 modbus-tcp, 1 dlt645, 1 modbus-rtu, 6 mqtt, 1 watch\)/);
  });

  test('without --json it prints the ticket for people and exits 0', async () => {
    const { stdout, stderr } = await run(['demo', '--days', '2', '--households', '5']);
    expect(stderr).toMatch(/5 households and a construction site: 14 devices/);
    expect(stdout).toMatch(/P2 open\s+household hh-102\s+device wm-102/);
    expect(stdout).toMatch(/no water use: [\d.]+ L in 24h/);
  });
});
