import Modbus from 'modbus-serial';
import PQueue from 'p-queue';
import type { Logger } from '../../lib/log.js';
import { DeviceReadError } from './read-fault.js';
import type { SerialSettings } from './serial-settings.js';

export type BusConnection =
  | { kind: 'tcp'; host: string; port: number }
  | ({ kind: 'rtu'; path: string } & SerialSettings);


function classify(err: unknown): DeviceReadError {
  const e = err as { errno?: string; code?: string; modbusCode?: number; message?: string; name?: string };
  const message = e.message ?? String(err);
  if (e.modbusCode !== undefined) return new DeviceReadError('exception', message);
  if (e.errno === 'ETIMEDOUT' || /timed out/i.test(message)) return new DeviceReadError('timeout', message);
  if (/crc/i.test(message)) return new DeviceReadError('crc', message);
  const connection = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EPIPE|not open|closed/i;
  if (e.name === 'PortNotOpenError' || connection.test(`${e.errno ?? ''} ${e.code ?? ''} ${message}`)) {
    return new DeviceReadError('disconnected', message);
  }
  return new DeviceReadError('other', message);
}

/**
 * One Modbus line (a TCP gateway or an RS-485 port): requests go one at a time, as RS-485 is
 * half duplex, each with its own reply timeout, so a dead slave costs the others at most its
 * timeout. A lost connection is opened again at the next request.
 */
export class ModbusBus {
  // modbus-serial is CommonJS: under NodeNext its class is the default export's `default` (the same object at run time).
  readonly #client = new Modbus.default();
  readonly #queue = new PQueue({ concurrency: 1 });
  #opening: Promise<void> | null = null;

  constructor(
    readonly id: string,
    private readonly connection: BusConnection,
    private readonly logger: Logger,
  ) {
    // modbus-serial can report port errors outside any request: they must not crash the gateway.
    this.#client.on('error', (err: unknown) => this.logger.warn({ bus: id, err: (err as Error).message }, 'modbus line error'));
  }

  /** Reads `count` registers; rejects with a DeviceReadError. */
  read(unitId: number, inputType: 'holding' | 'input', address: number, count: number, timeoutMs: number): Promise<number[]> {
    return this.#queue.add(async () => {
      try {
        await this.#ensureOpen();
        this.#client.setID(unitId);
        this.#client.setTimeout(timeoutMs);
        const reply = inputType === 'holding' ? await this.#client.readHoldingRegisters(address, count) : await this.#client.readInputRegisters(address, count);
        if (reply.data.length !== count) throw new DeviceReadError('other', `asked for ${count} registers, got ${reply.data.length}`);
        return reply.data;
      } catch (err) {
        throw err instanceof DeviceReadError ? err : classify(err);
      }
    });
  }

  /** Requests waiting for the line, the one under way included. */
  get backlog(): number {
    return this.#queue.size + this.#queue.pending;
  }

  async close(): Promise<void> {
    this.#queue.clear();
    await this.#queue.onIdle();
    if (this.#client.isOpen) await new Promise<void>((resolve) => this.#client.close(() => resolve()));
  }

  async #ensureOpen(): Promise<void> {
    if (this.#client.isOpen) return;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    await this.#opening;
  }

  async #open(): Promise<void> {
    const c = this.connection;
    if (c.kind === 'tcp') await this.#client.connectTCP(c.host, { port: c.port });
    else await this.#client.connectRTUBuffered(c.path, { baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits });
    this.logger.info({ bus: this.id, connection: c.kind === 'tcp' ? `${c.host}:${c.port}` : c.path }, 'modbus line open');
  }
}
