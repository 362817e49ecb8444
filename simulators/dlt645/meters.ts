import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { diBytes, encodeBcd, encodeFrame, parseFrame, READ_DATA, READ_ERROR, READ_REPLY } from '../../firmware-profiles/codecs/dlt645-frame.js';
import { isCounter, type Metric } from '../../contract/metrics.js';
import type { Dlt645Point } from '../../firmware-profiles/dlt645-schema.js';
import type { Dlt645Profile } from '../../firmware-profiles/schema.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { garbageBytes, replyDelaySchema, writeLater } from '../faults.js';
import { LineEndpoints } from '../fleet/line-endpoints.js';
import { seededRandom } from '../../lib/seeded-random.js';

/** DL/T 645-2007's error bytes (ERR): bit 0 "other error", bit 1 "no requested data". */
const OTHER_ERROR = 0x01;
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
 * data identifier its profile knows with the value in BCD (energy rolls over past 999999.99 kWh,
 * as a meter's register does; another value its register cannot hold is error 01, other error,
 * and a log line), an unknown one with error 02 (no such data). Frames to other addresses are
 * ignored, as on RS-485; bytes that start no frame are skipped one at a time until one does.
 */
export class SimulatedDlt645Meters {
  readonly #meters = new Map<string, SimulatedMeter>();
  readonly #random: () => number;
  readonly #logger: Logger;
  readonly #line = new LineEndpoints((stream) => this.#serve(stream));

  /**
   * @param options.seed the garbage fault's random bytes @default 1
   * @param options.logger where a value no register can hold is told @default silent
   */
  constructor(options: { seed?: number; logger?: Logger } = {}) {
    this.#random = seededRandom(options.seed ?? 1);
    this.#logger = options.logger ?? silentLogger();
  }

  add(address: string, profile: Dlt645Profile, values: () => Partial<Record<Metric, number>>): void {
    this.#meters.set(address, { profile, values, fault: 'none' });
  }

  setFault(address: string, fault: Dlt645Fault): void {
    const meter = this.#meters.get(address);
    if (!meter) throw new Error(`no simulated meter ${address}`);
    meter.fault = fault;
  }

  /** The serial device server's port, once startTcp has run. */
  get tcpPort(): number {
    return this.#line.tcpPort;
  }

  /** Serves the line on a serial port (DL/T 645-2007's line is 2400 8E1). */
  start(path: string, baudRate: number, parity: 'none' | 'even' | 'odd' = 'even'): Promise<void> {
    return this.#line.openSerial(path, { baudRate, parity });
  }

  /** Serves the line as a serial device server on `host:port` (0: any free port); resolves with the port. */
  startTcp(port = 0, host = '127.0.0.1', configKey?: string): Promise<number> {
    return this.#line.listen(port, host, configKey);
  }

  /** Cuts the TCP connections to the serial device server (the masters may connect again). */
  dropConnections(): void {
    this.#line.dropConnections();
  }

  stop(): Promise<void> {
    return this.#line.close();
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
        // A throw here would end the simulator at the master's first poll: a meter that cannot answer stays silent.
        try {
          const reply = this.#answer(parsed.frame.address, parsed.frame.control, parsed.frame.data);
          if (reply) writeLater(stream, reply.bytes, reply.delayMs);
        } catch (err) {
          this.#logger.error({ meter: parsed.frame.address, err: (err as Error).message }, 'simulated meter could not answer');
        }
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
    const register = point && value !== undefined && !(typeof fault === 'object' && 'error' in fault) ? registerBcd(point, value) : undefined;
    if (register && !register.ok) this.#logger.warn({ meter: address, di: point!.di, metric: point!.metric, value, reason: register.reason }, 'simulated meter answers error 01: its register cannot hold the value');
    let bytes =
      typeof fault === 'object' && 'error' in fault
        ? encodeFrame(address, READ_ERROR, [fault.error])
        : register?.ok
          ? encodeFrame(address, READ_REPLY, [...diBytes(point!.di), ...register.bytes])
          : encodeFrame(address, READ_ERROR, [register ? OTHER_ERROR : NO_SUCH_DATA]);
    // The checksum is the byte before the closing 16.
    if (fault === 'checksum') bytes[bytes.length - 2] = (bytes[bytes.length - 2]! + 1) & 0xff;
    if (fault === 'garbage') bytes = garbageBytes(this.#random, bytes.length);
    return { bytes, delayMs: typeof fault === 'object' && 'slow' in fault ? fault.slow : 0 };
  }
}

/**
 * A point's register for `value`: `bytes` BCD bytes with `decimals` decimals. An energy register
 * rolls over as a meter's does (XXXXXX.XX kWh reads 000000.01 after 999999.99 + 0.02); any other
 * value it cannot hold (negative, too large, not a number) is refused with the reason.
 */
export function registerBcd(point: Dlt645Point, value: number): { ok: true; bytes: number[] } | { ok: false; reason: string } {
  const units = Math.round(value * 10 ** point.decimals);
  const modulus = 10 ** (2 * point.bytes);
  if (!Number.isSafeInteger(units)) return { ok: false, reason: `${value} is no number ${point.bytes} BCD bytes hold` };
  const held = isCounter(point.metric) ? ((units % modulus) + modulus) % modulus : units;
  if (held < 0 || held >= modulus) return { ok: false, reason: `${value} does not fit ${point.bytes} BCD bytes with ${point.decimals} decimals` };
  return { ok: true, bytes: encodeBcd(held, 0, point.bytes) };
}
