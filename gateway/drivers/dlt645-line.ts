import { SerialPort } from 'serialport';
import PQueue from 'p-queue';
import type { Logger } from '../../lib/log.js';
import { encodeReadRequest, parseFrame } from '../../firmware-profiles/dlt645-codec.js';
import { DeviceReadError } from './read-fault.js';
import type { SerialSettings } from './serial-settings.js';

export type SerialLine = { path: string } & SerialSettings;

/**
 * An RS-485 line of DL/T 645-2007 meters: one request at a time (half duplex), each answered by
 * one frame or a timeout. Bytes before a frame (the FE preamble, line noise) are skipped; a frame
 * that fails its checksum is a 'crc' fault. Faults use the Modbus drivers' kinds, so the pollers
 * and the status count them the same way.
 */
export class Dlt645Line {
  readonly #queue = new PQueue({ concurrency: 1 });
  #port: SerialPort | null = null;
  #buffer = Buffer.alloc(0);
  #waiting: ((frame: Buffer | Error) => void) | null = null;

  constructor(
    readonly id: string,
    private readonly line: SerialLine,
    private readonly logger: Logger,
  ) {}

  /** Sends a read of `di` to the meter at `address`; resolves with the raw reply frame. */
  read(address: string, di: string, timeoutMs: number): Promise<Buffer> {
    return this.#queue.add(async () => {
      const port = await this.#open();
      this.#buffer = Buffer.alloc(0);
      const reply = new Promise<Buffer | Error>((resolve) => {
        const timer = setTimeout(() => {
          this.#waiting = null;
          resolve(new DeviceReadError('timeout', `meter ${address} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        this.#waiting = (frame) => {
          clearTimeout(timer);
          this.#waiting = null;
          resolve(frame);
        };
      });
      port.write(encodeReadRequest(address, di));
      const result = await reply;
      if (result instanceof Error) throw result;
      return result;
    });
  }

  async close(): Promise<void> {
    this.#queue.clear();
    await this.#queue.onIdle();
    const port = this.#port;
    this.#port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  async #open(): Promise<SerialPort> {
    if (this.#port?.isOpen) return this.#port;
    const { path, baudRate, parity, dataBits, stopBits } = this.line;
    const port = await new Promise<SerialPort>((resolve, reject) => {
      const p = new SerialPort({ path, baudRate, parity, dataBits, stopBits }, (err) => (err ? reject(new DeviceReadError('disconnected', `${path}: ${err.message}`)) : resolve(p)));
    });
    port.on('data', (chunk: Buffer) => this.#onData(chunk));
    port.on('error', (err) => this.logger.warn({ line: this.id, err: err.message }, 'dl/t 645 line error'));
    this.#port = port;
    this.logger.info({ line: this.id, path }, 'dl/t 645 line open');
    return port;
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const parsed = parseFrame(this.#buffer);
    if (parsed.ok === 'incomplete') return;
    const waiting = this.#waiting;
    if (!parsed.ok) {
      // A frame that starts right but fails its checksum is line noise on an answer: a CRC fault.
      this.#buffer = Buffer.alloc(0);
      waiting?.(new DeviceReadError(/checksum/.test(parsed.reason) ? 'crc' : 'other', parsed.reason));
      return;
    }
    const frame = this.#buffer.subarray(0, parsed.length);
    this.#buffer = this.#buffer.subarray(parsed.length);
    waiting?.(frame);
  }
}
