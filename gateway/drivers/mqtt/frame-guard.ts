import type { Socket } from 'node:net';

/**
 * Watches the MQTT fixed headers going by on a client's socket: calls `on.oversize` as soon as a
 * packet announces a remaining length over `maxPacketBytes`, before its body arrives, and
 * `on.publishes` with the PUBLISH packets each chunk held, bulk and urgent (on a topic `isUrgent`
 * names: an SOS button's, a wristband's). aedes' parser buffers a whole packet before anyone sees
 * it (a 150 MiB PUBLISH costs ~460 MiB of memory), so the limit has to be enforced on the byte
 * stream itself.
 *
 * It listens to 'data', which a socket read through 'readable' (as aedes does) emits for each
 * chunk read, just before the chunk reaches aedes' parser: attach it after `broker.handle`, or
 * the listener would switch the socket to flowing mode.
 */
export function watchFrames(
  socket: Socket,
  maxPacketBytes: number,
  isUrgent: (topic: string) => boolean,
  on: { oversize: (announcedBytes: number) => void; publishes: (bulk: number, urgent: number) => void },
): FrameScanner {
  const scan = new FrameScanner(maxPacketBytes, isUrgent);
  socket.on('data', (chunk: Buffer) => {
    const [bulk, urgent] = [scan.bulk, scan.urgent];
    const over = scan.push(chunk);
    if (over !== undefined) on.oversize(over);
    else if (scan.bulk > bulk || scan.urgent > urgent) on.publishes(scan.bulk - bulk, scan.urgent - urgent);
  });
  return scan;
}

/** MQTT control packet type 3 (the high nibble of the first byte). */
const PUBLISH = 3;
/** Longer topics are not read (none of our devices' comes near): such a PUBLISH is bulk. */
const MAX_TOPIC_BYTES = 512;

/**
 * The MQTT fixed header, incrementally: one type byte, then the remaining length as a variable
 * byte integer (1-4 bytes, 7 bits each, low first), then that many bytes of packet. Of a PUBLISH
 * it also reads the topic (a 2-byte length, then UTF-8), which starts its body.
 */
export class FrameScanner {
  /** Bytes of the current packet's body still to skip. */
  #skip = 0;
  /** 0: at a type byte; 1-4: reading the length's nth byte. */
  #lengthByte = 0;
  #length = 0;
  #type = 0;
  #tripped = false;
  /** The start of a PUBLISH body while its topic is read; null otherwise. */
  #head: Buffer | null = null;
  /** Bytes of `#head` wanted: 2 for the topic's length, then 2 + that length. */
  #headWanted = 0;
  /** PUBLISH packets seen, by what their topic says (what the ingress valve charges a client for). */
  bulk = 0;
  urgent = 0;

  constructor(
    /** The limit for packets whose header is still to come (a logged-in bridge may get a larger one). */
    public maxPacketBytes: number,
    private readonly isUrgent: (topic: string) => boolean = () => false,
  ) {}

  /** Feeds a chunk; returns the announced remaining length of the first packet over the limit. */
  push(chunk: Buffer): number | undefined {
    if (this.#tripped) return undefined;
    let i = 0;
    while (i < chunk.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        if (this.#head) this.#readTopic(chunk.subarray(i, i + n));
        this.#skip -= n;
        i += n;
        // A body too short for its topic is malformed (aedes will say so): count it as bulk.
        if (this.#skip === 0 && this.#head) this.#classify(undefined);
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
      this.#skip = this.#length;
      if (this.#type === PUBLISH) {
        this.#head = Buffer.alloc(0);
        this.#headWanted = 2;
        if (this.#skip === 0) this.#classify(undefined);
      }
    }
    return undefined;
  }

  /** Takes the bytes of a PUBLISH body that belong to its topic, from the start of `bytes`. */
  #readTopic(bytes: Buffer): void {
    let at = 0;
    while (this.#head) {
      const n = Math.min(this.#headWanted - this.#head.length, bytes.length - at);
      this.#head = Buffer.concat([this.#head, bytes.subarray(at, at + n)]);
      at += n;
      if (this.#head.length < this.#headWanted) return;
      if (this.#headWanted > 2 || this.#head.length > 2) {
        this.#classify(this.#head.subarray(2).toString('utf8'));
        return;
      }
      // The topic's length is read: now the topic (none at all for an empty one).
      const topicBytes = this.#head.readUInt16BE(0);
      if (topicBytes > MAX_TOPIC_BYTES) this.#classify(undefined);
      else if (topicBytes === 0) this.#classify('');
      else this.#headWanted = 2 + topicBytes;
    }
  }

  #classify(topic: string | undefined): void {
    this.#head = null;
    if (topic !== undefined && this.isUrgent(topic)) this.urgent++;
    else this.bulk++;
  }
}
