import type { Socket } from 'node:net';

/**
 * Watches the MQTT fixed headers going by on a client's socket: calls `onOversize` as soon as a
 * packet announces a remaining length over `maxPacketBytes`, before its body arrives, and
 * `onPublishes` with the number of PUBLISH packets each chunk began. aedes' parser buffers a
 * whole packet before anyone sees it (a 150 MiB PUBLISH costs ~460 MiB of memory), so the limit
 * has to be enforced on the byte stream itself.
 *
 * It listens to 'data', which a socket read through 'readable' (as aedes does) emits for each
 * chunk read, just before the chunk reaches aedes' parser: attach it after `broker.handle`, or
 * the listener would switch the socket to flowing mode.
 */
export function watchFrames(
  socket: Socket,
  maxPacketBytes: number,
  on: { oversize: (announcedBytes: number) => void; publishes: (count: number) => void },
): void {
  const scan = new FrameScanner(maxPacketBytes);
  socket.on('data', (chunk: Buffer) => {
    const before = scan.publishes;
    const over = scan.push(chunk);
    if (over !== undefined) on.oversize(over);
    else if (scan.publishes > before) on.publishes(scan.publishes - before);
  });
}

/** MQTT control packet type 3 (the high nibble of the first byte). */
const PUBLISH = 3;

/**
 * The MQTT fixed header, incrementally: one type byte, then the remaining length as a variable
 * byte integer (1-4 bytes, 7 bits each, low first), then that many bytes of packet.
 */
export class FrameScanner {
  /** Bytes of the current packet's body still to skip. */
  #skip = 0;
  /** 0: at a type byte; 1-4: reading the length's nth byte. */
  #lengthByte = 0;
  #length = 0;
  #type = 0;
  #tripped = false;
  /** PUBLISH packets whose fixed header has gone by (what the ingress valve charges a client for). */
  publishes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Feeds a chunk; returns the announced remaining length of the first packet over the limit. */
  push(chunk: Buffer): number | undefined {
    if (this.#tripped) return undefined;
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.#lengthByte === 0) {
        this.#lengthByte = 1;
        this.#length = 0;
        this.#type = byte >> 4;
        continue;
      }
      this.#length += (byte & 0x7f) * 128 ** (this.#lengthByte - 1);
      if (byte & 0x80 && this.#lengthByte < 4) {
        this.#lengthByte++;
        continue;
      }
      // A fifth length byte is malformed; the parser will say so. The length is complete here.
      this.#lengthByte = 0;
      if (this.#length > this.maxPacketBytes) {
        this.#tripped = true;
        return this.#length;
      }
      if (this.#type === PUBLISH) this.publishes++;
      this.#skip = this.#length;
    }
    return undefined;
  }
}
