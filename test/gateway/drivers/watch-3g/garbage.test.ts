import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { WatchServer, type WatchServerOptions } from '../../../../gateway/drivers/watch-3g/server.js';
import { T0 } from '../../../support/rules/rule-harness.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const LK = '[3G*8809008845*000D*LK,50,100,100]';
const LK_ECHO = '[3G*8809008845*0002*LK]';

/** A watch listener whose log lines are kept (at info, as a gateway runs), over a sink that takes everything. */
async function server(options: Partial<WatchServerOptions> = {}): Promise<{ server: WatchServer; log: { lines: number; bytes: number } }> {
  const log = { lines: 0, bytes: 0 };
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      log.lines += chunk.toString().split('\n').filter(Boolean).length;
      log.bytes += chunk.length;
      done();
    },
  });
  const s = new WatchServer({
    host: '127.0.0.1',
    port: 0,
    devices: new Map([['8809008845', { deviceId: 'band-1', householdId: 'hh-1', heartbeatMs: 600_000 }]]),
    sink: { process: () => undefined },
    clock: new VirtualClock(T0),
    logger: pino({ level: 'info' }, stream),
    ...options,
  });
  await s.start();
  cleanups.push(() => s.stop());
  return { server: s, log };
}

interface Peer {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
  /** Resolves with the text received once it holds `text`, or rejects after `ms`. */
  waitFor(text: string, ms?: number): Promise<string>;
}

async function peer(port: number, localAddress = '127.0.0.1'): Promise<Peer> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  cleanups.push(() => {
    socket.destroy();
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    received: () => received,
    closed,
    async waitFor(text, ms = 3_000) {
      const deadline = Date.now() + ms;
      while (!received.includes(text)) {
        if (Date.now() > deadline) throw new Error(`no ${text} within ${ms} ms; got ${JSON.stringify(received.slice(0, 200))}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      return received;
    },
  };
}

/** 200 KB of what a port scanner or a broken client sends: brackets, headers that go nowhere, noise. */
function garbage(bytes: number): Buffer {
  const pieces = ['[', '[[[[', '[3G*', '[XX*123*zz*', 'GET / HTTP/1.1\r\n', '\x00\xff\x5b\x01', '[3G*8809008845*0010*'];
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += pieces[i % pieces.length];
  return Buffer.from(text.slice(0, bytes), 'latin1');
}

describe('the watch port under garbage', () => {
  test('200 KB of garbage: the connection is closed after a few KB, logged in at most two lines, and a real band is answered at once', async () => {
    const { server: s, log } = await server();
    const band = await peer(s.port);
    const flood = await peer(s.port);
    flood.socket.write(garbage(200 * 1024));
    const started = Date.now();
    band.socket.write(LK);
    await band.waitFor(LK_ECHO);
    const replyMs = Date.now() - started;
    await flood.closed;
    expect(s.counters).toMatchObject({ closedForGarbage: 1, messages: 1 });
    expect(log.lines).toBeLessThanOrEqual(2 + 1); // "listening", then the flood's first piece and its closing
    expect(log.bytes).toBeLessThan(2_000);
    // How fast the band was answered is a figure (a busy machine varies it), not an assertion.
    process.stdout.write(`watch garbage: band answered in ${replyMs} ms while 200 KB of garbage came in\n`);
    // The band's own connection is untouched.
    band.socket.write(LK);
    await band.waitFor(LK_ECHO + LK_ECHO);
  }, 15_000);

  test('a band that garbles now and then keeps its connection: every good message is answered, the garbage logged once', async () => {
    const { server: s, log } = await server();
    const band = await peer(s.port);
    for (let i = 0; i < 50; i++) band.socket.write(`x[[zz${i}]${LK}`);
    await band.waitFor(LK_ECHO.repeat(50));
    expect(band.socket.destroyed).toBe(false);
    expect(s.counters).toMatchObject({ messages: 50, closedForGarbage: 0 });
    expect(s.counters.malformed).toBeGreaterThanOrEqual(50);
    expect(log.lines).toBe(2); // "listening" and the first malformed piece
    band.socket.destroy();
    await band.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(log.lines).toBe(3); // and the count, when the connection closes
  });

  test('connections over watch.maxConnections are closed as they come; one that leaves makes room', async () => {
    const { server: s } = await server({ maxConnections: 2 });
    const a = await peer(s.port);
    const b = await peer(s.port);
    await a.waitFor('', 0);
    const c = await peer(s.port);
    await c.closed;
    expect(s.counters).toMatchObject({ connections: 2, refusedConnections: 1 });
    a.socket.destroy();
    await a.closed;
    await new Promise((r) => setTimeout(r, 50));
    const d = await peer(s.port);
    d.socket.write(LK);
    await d.waitFor(LK_ECHO);
    b.socket.write(LK);
    await b.waitFor(LK_ECHO);
  }, 15_000);

  test('bindToFirstAddress: a band id sent from another address than the band first used is refused, unanswered', async () => {
    const { server: s } = await server({ bindToFirstAddress: true });
    const band = await peer(s.port, '127.0.0.1');
    band.socket.write(LK);
    await band.waitFor(LK_ECHO);
    const impostor = await peer(s.port, '127.0.0.2');
    impostor.socket.write(LK);
    impostor.socket.write(LK);
    await new Promise((r) => setTimeout(r, 200));
    expect(impostor.received()).toBe('');
    expect(s.counters).toMatchObject({ messages: 3, wrongAddress: 2 });
    // The band itself, on a new connection from its address, is still answered.
    const again = await peer(s.port, '127.0.0.1');
    again.socket.write(LK);
    await again.waitFor(LK_ECHO);
  });

  test('without bindToFirstAddress (the default) a band may come from any address', async () => {
    const { server: s } = await server();
    const first = await peer(s.port, '127.0.0.1');
    first.socket.write(LK);
    await first.waitFor(LK_ECHO);
    const second = await peer(s.port, '127.0.0.2');
    second.socket.write(LK);
    await second.waitFor(LK_ECHO);
  });

  test('config: watch.maxConnections defaults to 1000 and bindToFirstAddress to off', () => {
    const config = gatewayConfigSchema.parse({
      gatewayId: 'gw-central',
      cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' },
      watch: { host: '10.64.0.1', port: 7700, devices: [{ id: 'band-1', householdId: 'hh-1', watchId: '8809008845' }] },
    });
    expect(config.watch).toMatchObject({ host: '10.64.0.1', maxConnections: 1_000, bindToFirstAddress: false });
  });
});
