import type { Duplex } from 'node:stream';
import type { SerialPort } from 'serialport';
import { z } from 'zod';
import { diBytes, encodeBcd, encodeFrame, parseFrame, READ_DATA, READ_ERROR, READ_REPLY } from '../firmware-profiles/dlt645-codec.js';
import type { Metric } from '../firmware-profiles/metrics.js';
import type { Dlt645Profile } from '../firmware-profiles/schema.js';
import { garbageBytes, replyDelaySchema, writeLater } from './faults.js';
import { closeSerialPort, listenTcp, openSerialPort, type TcpListener } from './line-endpoints.js';
import { seededRandom } from './random.js';

/** DL/T 645-2007's error byte for "no requested data" (bit 1 of ERR). */
const NO_SUCH_DATA = 0x02;

/**
 * What a simulated meter does wrong, set per address at run time:
 * - `none`: answers as its profile says;
 * - `silent`: never answers, so the master times out;
 * - `{ slow: ms }`: answers, that much later;
 * - `{ error: byte }`: answers every read with an error reply (control D1) carrying that ERR byte
 *   (02 no such data, 04 wrong password...);
 * - `checksum`: its reply with a wrong checksum (CS), as line noise leaves it;
 * - `garbage`: random bytes, as many as its reply would have.
 */
export const dlt645FaultSchema = z.union([
  z.enum(['none', 'silent', 'checksum', 'garbage']),
  z.object({ slow: replyDelaySchema }).strict(),
  z.object({ error: z.number().int().min(1).max(255) }).strict(),
]);
export type Dlt645Fault = z.output<typeof dlt645FaultSchema>;

interface SimulatedMeter {
  profile: Dlt645Profile;
  values: () => Partial<Record<Metric, number>>;
  fault: Dlt645Fault;
}

/**
 * DL/T 645-2007 meters on one RS-485 line, on a serial port (in tests one end of a socat pty pair)
 * and/or on a TCP port as a serial device server forwards the line: each answers a read of a
 * data identifier its profile knows with the value in BCD, an unknown one with error 02 (no such
 * data). Frames to other addresses are ignored, as on RS-485; bytes that start no frame are
 * skipped one at a time until one does.
 */
export class SimulatedDlt645Meters {
  readonly #meters = new Map<string, SimulatedMeter>();
  readonly #random: () => number;
  #port: SerialPort | null = null;
  #listener: TcpListener | null = null;
  /** The serial device server's port, once startTcp has run. */
  tcpPort = 0;

  /** @param options.seed the garbage fault's random bytes @default 1 */
  constructor(options: { seed?: number } = {}) {
    this.#random = seededRandom(options.seed ?? 1);
  }

  add(address: string, profile: Dlt645Profile, values: () => Partial<Record<Metric, number>>): void {
    this.#meters.set(address, { profile, values, fault: 'none' });
  }

  setFault(address: string, fault: Dlt645Fault): void {
    const meter = this.#meters.get(address);
    if (!meter) throw new Error(`no simulated meter ${address}`);
    meter.fault = fault;
  }

  /** Serves the line on a serial port (DL/T 645-2007's line is 2400 8E1). */
  async start(path: string, baudRate: number, parity: 'none' | 'even' | 'odd' = 'even'): Promise<void> {
    this.#port = await openSerialPort(path, { baudRate, parity });
    this.#serve(this.#port);
  }

  /** Serves the line as a serial device server on `host:port` (0: any free port); resolves with the port. */
  async startTcp(port = 0, host = '127.0.0.1'): Promise<number> {
    this.#listener = await listenTcp(port, host, (socket) => this.#serve(socket));
    this.tcpPort = this.#listener.port;
    return this.tcpPort;
  }

  /** Cuts the TCP connections to the serial device server (the masters may connect again). */
  dropConnections(): void {
    this.#listener?.dropConnections();
  }

  async stop(): Promise<void> {
    const [port, listener] = [this.#port, this.#listener];
    this.#port = null;
    this.#listener = null;
    await Promise.all([closeSerialPort(port), listener?.close()]);
  }

  #serve(stream: Duplex): void {
    let buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseFrame(buffer);
        if (parsed.ok === 'incomplete') return;
        if (!parsed.ok) {
          buffer = buffer.subarray(1);
          continue;
        }
        buffer = buffer.subarray(parsed.length);
        const reply = this.#answer(parsed.frame.address, parsed.frame.control, parsed.frame.data);
        if (reply) writeLater(stream, reply.bytes, reply.delayMs);
      }
    });
    stream.on('error', () => undefined);
  }

  #answer(address: string, control: number, data: Buffer): { bytes: Buffer; delayMs: number } | undefined {
    const meter = this.#meters.get(address);
    if (!meter || meter.fault === 'silent' || control !== READ_DATA || data.length !== 4) return undefined;
    const { fault } = meter;
    const di = [...data]
      .reverse()
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    const point = meter.profile.points.find((p) => p.di.toLowerCase() === di);
    const value = point && meter.values()[point.metric];
    let bytes =
      typeof fault === 'object' && 'error' in fault
        ? encodeFrame(address, READ_ERROR, [fault.error])
        : point && value !== undefined
          ? encodeFrame(address, READ_REPLY, [...diBytes(point.di), ...encodeBcd(value, point.decimals, point.bytes)])
          : encodeFrame(address, READ_ERROR, [NO_SUCH_DATA]);
    // The checksum is the byte before the closing 16.
    if (fault === 'checksum') bytes[bytes.length - 2] = (bytes[bytes.length - 2]! + 1) & 0xff;
    if (fault === 'garbage') bytes = garbageBytes(this.#random, bytes.length);
    return { bytes, delayMs: typeof fault === 'object' && 'slow' in fault ? fault.slow : 0 };
  }
}
