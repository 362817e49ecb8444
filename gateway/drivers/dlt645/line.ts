import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import PQueue from 'p-queue';
import type { Logger } from '../../../lib/log.js';
import { diBytes, encodeReadRequest, parseFrame, READ_ERROR, type Dlt645Frame } from '../../../firmware-profiles/codecs/dlt645-frame.js';
import { DeviceReadError } from '../polling/read-fault.js';
import { describeSerialLine, type SerialLine } from '../../../lib/serial-line.js';

export type { SerialLine };

interface Waiting {
  address: string;
  di: number[];
  /** Bytes skipped because they started no frame, while waiting. */
  junk: number;
  settle(result: Buffer | Error): void;
}

/**
 * An RS-485 line of DL/T 645-2007 meters, on a serial port or behind a serial device server:
 * one request at a time (half duplex), each answered by one frame or a timeout. Bytes that start
 * no frame (the FE preamble, line noise) are skipped; frames that answer no pending read (another
 * meter's, a reply that came after its timeout, the echo of our own request) are passed over. A
 * frame that fails its checksum is a 'crc' fault, an error reply (control D1) an 'exception', so
 * the pollers and the status count them as for Modbus. A lost port or connection is opened again
 * at the next read.
 */
export class Dlt645Line {
  readonly #queue = new PQueue({ concurrency: 1 });
  #stream: Duplex | null = null;
  #buffer = Buffer.alloc(0);
  #waiting: Waiting | null = null;

  constructor(
    readonly id: string,
    private readonly line: SerialLine,
    private readonly logger: Logger,
  ) {}

  /** Sends a read of `di` to the meter at `address`; resolves with the raw reply frame, rejects with a DeviceReadError. */
  read(address: string, di: string, timeoutMs: number): Promise<Buffer> {
    return this.#queue.add(async () => {
      const stream = await this.#open(timeoutMs);
      this.#buffer = Buffer.alloc(0);
      const reply = new Promise<Buffer | Error>((resolve) => {
        const waiting: Waiting = {
          address: address.toLowerCase(),
          di: diBytes(di),
          junk: 0,
          settle: (result) => {
            clearTimeout(timer);
            if (this.#waiting === waiting) this.#waiting = null;
            resolve(result);
          },
        };
        const timer = setTimeout(() => {
          waiting.settle(
            waiting.junk > 0
              ? new DeviceReadError('other', `meter ${address}: ${waiting.junk} bytes that are no DL/T 645 frame, and no reply within ${timeoutMs} ms`)
              : new DeviceReadError('timeout', `meter ${address} did not answer within ${timeoutMs} ms`),
          );
        }, timeoutMs);
        this.#waiting = waiting;
      });
      stream.write(encodeReadRequest(address, di));
      const result = await reply;
      if (result instanceof Error) throw result;
      return result;
    });
  }

  async close(): Promise<void> {
    this.#queue.clear();
    await this.#queue.onIdle();
    const stream = this.#stream;
    this.#stream = null;
    if (stream instanceof SerialPort) {
      if (stream.isOpen) await new Promise<void>((resolve) => stream.close(() => resolve()));
    } else stream?.destroy();
  }

  async #open(timeoutMs: number): Promise<Duplex> {
    if (this.#stream) return this.#stream;
    const stream = 'tcp' in this.line ? await this.#connect(this.line.tcp, timeoutMs) : await this.#openPort(this.line);
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('error', (err: Error) => this.logger.warn({ line: this.id, err: err.message }, 'dl/t 645 line error'));
    stream.on('close', () => {
      if (this.#stream !== stream) return;
      this.#stream = null;
      this.logger.warn({ line: this.id, connection: describeSerialLine(this.line) }, 'dl/t 645 line lost; opened again at the next read');
      this.#waiting?.settle(new DeviceReadError('disconnected', `${describeSerialLine(this.line)} closed`));
    });
    this.#stream = stream;
    this.logger.info({ line: this.id, connection: describeSerialLine(this.line) }, 'dl/t 645 line open');
    return stream;
  }

  #openPort({ path, baudRate, parity, dataBits, stopBits }: Extract<SerialLine, { path: string }>): Promise<SerialPort> {
    return new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path, baudRate, parity, dataBits, stopBits }, (err) => (err ? reject(new DeviceReadError('disconnected', `${path}: ${err.message}`)) : resolve(p)));
    });
  }

  /** A serial device server that does not take the connection within the reply timeout counts as disconnected. */
  #connect({ host, port }: { host: string; port: number }, timeoutMs: number): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const fail = (message: string) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new DeviceReadError('disconnected', `${host}:${port}: ${message}`));
      };
      const timer = setTimeout(() => fail(`no connection within ${timeoutMs} ms`), timeoutMs);
      socket.once('error', (err) => fail(err.message));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        // A device server that lost power sends no FIN: keepalive finds out.
        socket.setKeepAlive(true, 10_000);
        resolve(socket);
      });
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const parsed = parseFrame(this.#buffer);
      if (parsed.ok === 'incomplete') return;
      const waiting = this.#waiting;
      if (!parsed.ok) {
        if (/checksum/.test(parsed.reason)) {
          // A frame that starts right but fails its checksum is line noise on an answer.
          this.#buffer = Buffer.alloc(0);
          waiting?.settle(new DeviceReadError('crc', parsed.reason));
          return;
        }
        this.#buffer = this.#buffer.subarray(1);
        if (waiting) waiting.junk++;
        continue;
      }
      const frame = this.#buffer.subarray(0, parsed.length);
      this.#buffer = this.#buffer.subarray(parsed.length);
      if (!waiting || !answers(parsed.frame, waiting)) continue;
      if (parsed.frame.control === READ_ERROR) {
        const code = parsed.frame.data[0]?.toString(16).padStart(2, '0') ?? '?';
        waiting.settle(new DeviceReadError('exception', `meter ${waiting.address} answered error ${code}${code === '02' ? ' (no such data)' : ''}`));
      } else waiting.settle(frame);
    }
  }
}

/** Whether `frame` is the meter's reply to the read waiting: from its address, a reply (bit 7), an error or for its DI. */
function answers(frame: Dlt645Frame, waiting: Waiting): boolean {
  if (frame.address !== waiting.address || (frame.control & 0x80) === 0) return false;
  return frame.control === READ_ERROR || waiting.di.every((b, i) => frame.data[i] === b);
}
