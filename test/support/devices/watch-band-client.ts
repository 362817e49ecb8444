import { connect, type Socket } from 'node:net';

export interface WatchBandClient {
  socket: Socket;
  send(text: string): void;
  /** Everything the gateway answered so far. */
  received(): string;
  /** Waits until `n` replies (`]`-terminated) came, or `waitMs` passed; returns all received. */
  replies(n: number, waitMs?: number): Promise<string>;
}

/**
 * A 4G wristband's TCP connection as a test drives it: send watch-protocol text, collect what the
 * gateway answers. The default wait ends on the replies, far past any busy machine; a test that
 * shows nothing comes gives a short `waitMs` of its own.
 */
export async function watchBandClient(port: number, cleanups: Array<() => unknown>): Promise<WatchBandClient> {
  const socket = connect(port, '127.0.0.1');
  cleanups.push(() => {
    socket.destroy();
  });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  return {
    socket,
    send: (text) => socket.write(Buffer.from(text, 'latin1')),
    received: () => received,
    async replies(n, waitMs = 30_000) {
      const deadline = Date.now() + waitMs;
      while ((received.match(/\]/g) ?? []).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return received;
    },
  };
}
