import { createServer, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../lib/log.js';
import { InputError } from '../../lib/validation.js';
import { runFlood } from '../../simulators/mqtt/flood.js';
import { freePort } from '../support/free-port.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const options = { host: '127.0.0.1', clients: 3, ratePerS: 100, durationMs: 200, qos: 0 as const, devicePrefix: 'fl-', topic: 'gridwatch/{device}/water', logger: silentLogger() };

/** A TCP peer on a free port doing `serve` with each connection (standing in for a broker). */
async function peer(serve: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    serve(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return (server.address() as { port: number }).port;
}

describe('gridwatch flood: clients that never get going are counted as dropped', () => {
  test('connections refused at TCP connect', async () => {
    const result = await runFlood({ ...options, port: await freePort() }); // nothing listens there
    expect(result).toMatchObject({ connected: 0, dropped: 3, sent: 0, achievedRatePerS: 0 });
  });

  test('connections closed before a CONNACK', async () => {
    const result = await runFlood({ ...options, port: await peer((s) => s.once('data', () => s.destroy())) });
    expect(result).toMatchObject({ connected: 0, dropped: 3 });
  });

  test('a CONNACK that refuses (5, not authorized)', async () => {
    const port = await peer((s) => s.once('data', () => s.write(mqttPacket.generate({ cmd: 'connack', returnCode: 5, sessionPresent: false }))));
    const result = await runFlood({ ...options, port });
    expect(result).toMatchObject({ connected: 0, dropped: 3 });
  });

  test('a peer that takes the TCP connection but never sends CONNACK does not hang the flood', async () => {
    const port = await peer(() => undefined); // e.g. --broker pointing at the wrong service
    const started = performance.now();
    const outcome = await Promise.race([
      runFlood({ ...options, port, connackTimeoutMs: 500 }),
      // Far past the 500 ms it waits per client, however busy the machine: a hang, not slowness.
      new Promise((r) => setTimeout(() => r('still waiting for CONNACK after 30 s'), 30_000)),
    ]);
    expect(outcome).toMatchObject({ connected: 0, dropped: 3 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(450); // it did wait for the CONNACK
  });

  test('of clients where some connect, the others are counted and the rest publish', async () => {
    let n = 0;
    const port = await peer((s) =>
      s.once('data', () => s.write(mqttPacket.generate({ cmd: 'connack', returnCode: n++ === 0 ? 5 : 0, sessionPresent: false }))),
    );
    const result = await runFlood({ ...options, port });
    expect(result).toMatchObject({ connected: 2, dropped: 1 });
    expect(result.sent).toBeGreaterThan(0);
  });
});

test('a password without a username is refused before anything connects (MQTT 3.1.1 has no such CONNECT)', async () => {
  await expect(runFlood({ ...options, port: await freePort(), password: 'secret' })).rejects.toThrow(InputError);
});
