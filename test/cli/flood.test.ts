import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from '../support/free-port.js';

const BIN = fileURLToPath(new URL('../../bin/gridwatch.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'error' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('gridwatch flood', () => {
  test('--password without --username is a usage error, not a crash at the first connect', async () => {
    // Something listens, so that a flood that went ahead would connect (and crash in mqtt-packet).
    const server = createServer((c) => c.destroy());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const r = await run(['flood', '--broker', `mqtt://127.0.0.1:${port}`, '--clients', '1', '--rate', '10', '--duration', '1s', '--password', 'secret']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/password: --password needs --username/);
  });

  test('when no client connects, it prints the summary and exits 1', async () => {
    const r = await run(['flood', '--broker', `mqtt://127.0.0.1:${await freePort()}`, '--clients', '2', '--rate', '10', '--duration', '1s']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ connected: 0, dropped: 2, sent: 0 });
  });
});
