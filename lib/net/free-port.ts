import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Ports the OS hands out for port 0 and outgoing connections; ours are picked below them. */
function ephemeralStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // Not Linux: the IANA dynamic range starts at 49152, most systems use it or Linux's 32768.
  }
  return 32_768;
}

async function tryListen(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}

/**
 * A TCP port nothing listens on right now (for a service started later, or never). Picked at
 * random below the OS's ephemeral range, so that no listener on port 0 and no outgoing connection
 * started meanwhile (another test, the gateway's own servers) can take it before it is used; a
 * port from `listen(0)` could be handed out again the moment it was closed.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralStart() - 1;
  const low = Math.max(10_000, high - 20_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await tryListen(port)) return port;
  }
  throw new Error(`no free TCP port found in ${low}-${high} after 50 tries`);
}
