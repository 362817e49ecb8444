import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { freePort } from '../../support/free-port.js';

export type FakeInfluxMode = 'ok' | 'error' | 'reject' | 'blackhole' | 'refuse';

export interface FakeInflux {
  url: string;
  /** Each write request that was answered 204: its query string and lines. */
  writes: Array<{ query: URLSearchParams; lines: string[] }>;
  /** How many write requests arrived (answered or not). */
  requests(): number;
  setMode(mode: FakeInfluxMode): Promise<void>;
  close(): Promise<void>;
}

/**
 * A telemetry store that fails on demand: 'error' answers 503, 'reject' 400, 'blackhole' accepts the
 * connection and never answers, 'refuse' stops listening (connection refused). The real store
 * is tested against VictoriaMetrics; this one is for the faults a real one will not make on cue.
 */
export async function startFakeInflux(): Promise<FakeInflux> {
  const port = await freePort();
  let mode: FakeInfluxMode = 'ok';
  let requests = 0;
  const writes: FakeInflux['writes'] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'blackhole') return;
      if (mode === 'error') {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"unavailable","message":"down"}');
        return;
      }
      if (mode === 'reject') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"invalid","message":"unable to parse"}');
        return;
      }
      const url = new URL(req.url ?? '/', 'http://x');
      // The client gzips bodies over 1 KB.
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      writes.push({ query: url.searchParams, lines: body.toString('utf8').split('\n') });
      res.writeHead(204).end();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    requests: () => requests,
    async setMode(next) {
      if (mode === 'refuse' && next !== 'refuse') await listen();
      if (next === 'refuse' && mode !== 'refuse') await stop();
      // Connections held by a black hole stay stuck otherwise.
      if (mode === 'blackhole') for (const s of sockets) s.destroy();
      mode = next;
    },
    async close() {
      if (mode !== 'refuse') await stop();
    },
  };
}
