import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../lib/time/clock.js';
import { freePort } from '../../lib/net/free-port.js';
import { silentLogger } from '../../lib/log.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port something else already listens on. */
async function takenPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

const configWith = (dataDir: string, mqttPort: number, watchPort: number) => ({
  gatewayId: 'gw-central',
  dataDir,
  mqtt: { host: '127.0.0.1', port: mqttPort },
  cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' },
  watch: { host: '127.0.0.1', port: watchPort, devices: [{ id: 'band-1', householdId: 'hh-1', watchId: '8809008845' }] },
});

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('a gateway that cannot start', () => {
  test('releases what it opened: the MQTT port it had bound is free again and the database is closed', async () => {
    const dataDir = tempDir();
    const mqttPort = await freePort();
    const watchPort = await takenPort();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await expect(startGateway(gatewayConfigSchema.parse(configWith(dataDir, mqttPort, watchPort)), { clock: systemClock, logger: silentLogger() })).rejects.toThrow(
      `watch.port ${watchPort} is in use`,
    );
    expect(await refused(mqttPort)).toBe(true);
    // The last connection to close checkpoints WAL mode's journal into the file and removes it.
    expect(existsSync(join(dataDir, 'gateway.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'gateway.sqlite-wal'))).toBe(false);
    // The rules' timer (real clock) and the uplinks' were stopped.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
  });

  test('`gridwatch gateway` with its watch port taken exits with code 2 at once, nothing holding the process (no process.exit)', async () => {
    const dir = tempDir();
    const watchPort = await takenPort();
    const config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify(configWith(join(dir, 'data'), await freePort(), watchPort)));
    // main() as bin/gridwatch.js runs it, but leaving the exit to the event loop: a timer,
    // socket or listener left open would keep the process up.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import('./cli/main.ts'); process.exitCode = await main(['gateway', '--config', ${JSON.stringify(config)}]);`],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } },
    );
    cleanups.push(() => {
      child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 20_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stderr).toContain(`watch.port ${watchPort} is in use`);
    expect(code).toBe(2);
    expect(existsSync(join(dir, 'data', 'gateway.sqlite-wal'))).toBe(false);
  }, 30_000);
});
