import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const env = { ...process.env, DATABASE_URL: '' };
/** Exactly what the README and the usage tell a user to type, npm's own output included. */
const typed = (command: 'npx' | 'npm', args: string[]) => promisify(execFile)(command, args, { cwd: ROOT, env });
/**
 * The demo takes ~5 s on an idle 2-core machine and took up to a minute on a busy one: the
 * timeout only catches a hang, it does not ask the machine to be quick.
 */
const DEMO_TIMEOUT_MS = 180_000;

describe('the demo as a user runs it', () => {
  test(
    'npx gridwatch demo --json prints one JSON ticket per line and nothing else: exactly the four incidents of the story, over every protocol',
    async () => {
      const { stdout, stderr } = await typed('npx', ['gridwatch', 'demo', '--json']);
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
      // The fifth alert is the night noise's clear, added to its ticket.
      expect(tickets[2]).toMatchObject({ alertCount: 1, clearCount: 1, state: 'open' });
      expect(stderr).toMatch(/3 simulated days in [\d.]+ s: \d+ readings, 5 alerts \(4 raised, 1 cleared\) -> 4 tickets/);
      expect(stderr).toMatch(/5 条告警（4 条触发，1 条解除）-> 4 张工单/);
      // The normal household hh-101 (water, door, SOS button, SDM120 on Modbus TCP, DL/T 645 meter) raised nothing.
      expect(tickets.some((t) => t.householdId === 'hh-101')).toBe(false);
      expect(stderr).toMatch(/10 devices \(1 modbus-tcp, 1 dlt645, 1 modbus-rtu, 6 mqtt, 1 watch\)/);
    },
    DEMO_TIMEOUT_MS,
  );

  test(
    'npm run demo prints the tickets for people, Chinese first, a site as a site, times with their offset, and exits 0',
    async () => {
      const { stdout, stderr } = await typed('npm', ['run', 'demo', '--', '--days', '2', '--households', '5']);
      expect(stderr).toMatch(/5 households and a construction site: 14 devices/);
      expect(stdout).toMatch(/P2 受理 open\s+住户 household hh-102\s+设备 device wm-102\s+开单 opened \w{3} \d\d-\d\d \d\d:\d\d \+08:00/);
      expect(stdout).toMatch(/no water use: none drawn for 24\.\d h \(the fixed 24h\)/);
      expect(stdout).toMatch(/P3 受理 open\s+工地 site site-7\s+设备 device noise-7/);
      expect(stdout).not.toMatch(/household site-7/);
      expect(stdout).toMatch(/1 条告警 raised, 1 条解除 cleared, 最近 last Tue 11-24 01:05 \+08:00/);
      expect(stderr).toMatch(/^Mon 11-23 06:00 \+08:00 /m);
    },
    DEMO_TIMEOUT_MS,
  );
});
