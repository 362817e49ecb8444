import { once } from 'node:events';
import { connect } from 'node:net';

/**
 * A TCP client that sends bytes and reads them back exactly, for tests of a simulator's framing:
 * what a master we did not write would see on the wire.
 */
export async function rawClient(port: number): Promise<{
  send(bytes: Buffer | readonly number[]): void;
  /** The next `n` bytes; rejects when they have not all come within `timeoutMs`. */
  read(n: number, timeoutMs?: number): Promise<Buffer>;
  /** Whatever comes within `ms` (to show that nothing does). */
  drain(ms: number): Promise<Buffer>;
  closed: Promise<unknown>;
  close(): void;
}> {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    wake?.();
  });
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  const take = (n: number) => {
    const out = buffer.subarray(0, n);
    buffer = buffer.subarray(n);
    return out;
  };
  return {
    send: (bytes) => socket.write(Buffer.from(bytes)),
    read: async (n, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (buffer.length < n) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${n} bytes, got ${buffer.length}: ${buffer.toString('hex')}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
      return take(n);
    },
    drain: async (ms) => {
      await new Promise((r) => setTimeout(r, ms));
      return take(buffer.length);
    },
    closed,
    close: () => socket.destroy(),
  };
}
