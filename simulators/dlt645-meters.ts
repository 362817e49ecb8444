import { SerialPort } from 'serialport';
import { diBytes, encodeBcd, encodeFrame, parseFrame, READ_DATA, READ_ERROR, READ_REPLY } from '../firmware-profiles/dlt645-codec.js';
import type { Metric } from '../firmware-profiles/metrics.js';
import type { Dlt645Profile } from '../firmware-profiles/schema.js';

interface SimulatedMeter {
  profile: Dlt645Profile;
  values: () => Partial<Record<Metric, number>>;
  silent: boolean;
}

/**
 * DL/T 645-2007 meters on one serial line (in tests, one end of a socat pty pair): each answers a
 * read of a data identifier its profile knows with the value in BCD, an unknown one with error 02
 * (no such data), and nothing when silenced. Frames to other addresses are ignored, as on RS-485.
 */
export class SimulatedDlt645Meters {
  readonly #meters = new Map<string, SimulatedMeter>();
  #port: SerialPort | null = null;
  #buffer = Buffer.alloc(0);

  add(address: string, profile: Dlt645Profile, values: () => Partial<Record<Metric, number>>): void {
    this.#meters.set(address, { profile, values, silent: false });
  }

  setSilent(address: string, silent: boolean): void {
    const meter = this.#meters.get(address);
    if (!meter) throw new Error(`no simulated meter ${address}`);
    meter.silent = silent;
  }

  async start(path: string, baudRate: number, parity: 'none' | 'even' | 'odd' = 'even'): Promise<void> {
    this.#port = await new Promise<SerialPort>((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, parity, dataBits: 8, stopBits: 1 }, (err) => (err ? reject(err) : resolve(port)));
    });
    this.#port.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  async stop(): Promise<void> {
    const port = this.#port;
    this.#port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const parsed = parseFrame(this.#buffer);
      if (parsed.ok === 'incomplete') return;
      if (!parsed.ok) {
        this.#buffer = Buffer.alloc(0);
        return;
      }
      this.#buffer = this.#buffer.subarray(parsed.length);
      this.#answer(parsed.frame.address, parsed.frame.control, parsed.frame.data);
    }
  }

  #answer(address: string, control: number, data: Buffer): void {
    const meter = this.#meters.get(address);
    if (!meter || meter.silent || control !== READ_DATA || data.length !== 4) return;
    const di = [...data]
      .reverse()
      .map((b) => b.toString(16).padStart(2, '0'))
      .join('');
    const point = meter.profile.points.find((p) => p.di.toLowerCase() === di);
    const value = point && meter.values()[point.metric];
    const reply =
      point && value !== undefined
        ? encodeFrame(address, READ_REPLY, [...diBytes(point.di), ...encodeBcd(value, point.decimals, point.bytes)])
        : encodeFrame(address, READ_ERROR, [0x02]);
    this.#port?.write(reply);
  }
}
