import { connect, createServer, type Socket } from 'node:net';
import { freePort } from '../support/free-port.js';

export interface TcpProxy {
  port: number;
  /** Stops listening and cuts every connection: the server is down (connection refused). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /**
   * Stops passing the clients' bytes on (queries hang, as on a server that stopped answering),
   * then, after `ms`, cuts every connection: what a client sees when the server restarts mid-query.
   */
  hangThenCut(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy in front of a real server, to stop, cut and restart it without touching the server. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const pairs = new Set<{ client: Socket; upstream: Socket; hung: boolean }>();
  let hang = false;
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream, hung: false };
    pairs.add(pair);
    client.on('data', (chunk) => {
      if (!hang) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  let listening = false;
  const up = () =>
    new Promise<void>((resolve) => {
      if (listening) return resolve();
      server.listen(port, '127.0.0.1', () => {
        listening = true;
        resolve();
      });
    });
  const cutAll = () => {
    for (const { client, upstream } of pairs) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  const down = () =>
    new Promise<void>((resolve) => {
      cutAll();
      if (!listening) return resolve();
      listening = false;
      server.close(() => resolve());
    });
  await up();
  return {
    port,
    down,
    up,
    async hangThenCut(ms) {
      hang = true;
      await new Promise((r) => setTimeout(r, ms));
      cutAll();
      hang = false;
    },
    close: down,
  };
}
