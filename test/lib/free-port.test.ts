import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { freePort } from '../../lib/net/free-port.js';

test('a free port is picked below the ephemeral range, so no listen(0) started meanwhile can take it, and can be listened on', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
  for (const port of ports) expect(port).toBeLessThan(low);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ports[0], '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
