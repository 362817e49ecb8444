import Modbus from 'modbus-serial';
import PQueue from 'p-queue';
import type { Logger } from '../../lib/log.js';
import { DeviceReadError } from './read-fault.js';
import { describeSerialLine, type SerialLine } from './serial-settings.js';

/** Modbus TCP (MBAP framing), or Modbus RTU on a serial line: a port, or a serial device server. */
export type BusConnection = { kind: 'tcp'; host: string; port: number } | ({ kind: 'rtu' } & SerialLine);

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
 * One Modbus line (a TCP gateway, an RS-485 port, or an RS-485 line behind a serial device
 * server): requests go one at a time, as RS-485 is half duplex, each with its own reply timeout,
 * so a dead slave costs the others at most its timeout. A lost connection is opened again at the
 * next request.
 */
export class ModbusBus {
  // modbus-serial is CommonJS: under NodeNext its class is the default export's `default` (the same object at run time).
  readonly #client = new Modbus.default();
  readonly #queue = new PQueue({ concurrency: 1 });
  #opening: Promise<void> | null = null;
  /** Set when the connection was dropped: modbus-serial reports it open until the socket's close event. */
  #dropped = false;
  /** Fails the request under way when the line closes. */
  #onClose: (() => void) | null = null;

  constructor(
    readonly id: string,
    private readonly connection: BusConnection,
    private readonly logger: Logger,
  ) {
    // modbus-serial can report port errors outside any request: they must not crash the gateway.
    this.#client.on('error', (err: unknown) => this.logger.warn({ bus: id, err: (err as Error).message }, 'modbus line error'));
    this.#client.on('close', () => this.#onClose?.());
  }

  /** Reads `count` registers; rejects with a DeviceReadError. */
  read(unitId: number, inputType: 'holding' | 'input', address: number, count: number, timeoutMs: number): Promise<number[]> {
    return this.#queue.add(async () => {
      try {
        await this.#ensureOpen();
        this.#client.setID(unitId);
        this.#client.setTimeout(timeoutMs);
        const reply = await this.#unlessClosed(inputType === 'holding' ? this.#client.readHoldingRegisters(address, count) : this.#client.readInputRegisters(address, count));
        if (reply.data.length !== count) throw new DeviceReadError('other', `asked for ${count} registers, got ${reply.data.length}`);
        return reply.data;
      } catch (err) {
        const e = err instanceof DeviceReadError ? err : classify(err);
        if (this.connection.kind === 'tcp' && (e.fault === 'timeout' || e.fault === 'crc' || e.fault === 'other')) await this.#drop();
        throw e;
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
    if (this.#client.isOpen && !this.#dropped) await new Promise<void>((resolve) => this.#client.close(() => resolve()));
  }

  /**
   * modbus-serial lets a request whose connection closes under it run into its reply timeout: it
   * fails at once instead, as disconnected (a device server that rebooted, a USB adapter pulled).
   */
  #unlessClosed<T>(request: Promise<T>): Promise<T> {
    const closed = new Promise<never>((_, reject) => {
      this.#onClose = () => reject(new DeviceReadError('disconnected', 'the line closed during the request'));
    });
    request.catch(() => undefined); // its timeout, after we gave up on it
    return Promise.race([request, closed]).finally(() => {
      this.#onClose = null;
    });
  }

  /**
   * modbus-serial frames Modbus TCP by the MBAP length field: after a reply that never came
   * whole, or bytes that were not a reply, what is left in its buffer would shift every later
   * reply. A new connection starts clean (cheap on a LAN). RTU framing finds its next frame by
   * itself, and a serial device server may take only one connection, so RTU lines are kept.
   */
  async #drop(): Promise<void> {
    if (!this.#client.isOpen) return;
    this.#dropped = true;
    await new Promise<void>((resolve) => this.#client.destroy(() => resolve()));
  }

  async #ensureOpen(): Promise<void> {
    if (this.#client.isOpen && !this.#dropped) return;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = null;
    });
    await this.#opening;
  }

  async #open(): Promise<void> {
    const c = this.connection;
    // Telnet is modbus-serial's name for raw RTU frames over TCP (its TcpRTUBuffered port is MBAP framing).
    if (c.kind === 'tcp') await this.#client.connectTCP(c.host, { port: c.port });
    else if ('tcp' in c) await this.#client.connectTelnet(c.tcp.host, { port: c.tcp.port });
    else await this.#client.connectRTUBuffered(c.path, { baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits });
    this.#dropped = false;
    this.logger.info({ bus: this.id, connection: c.kind === 'tcp' ? `${c.host}:${c.port}` : describeSerialLine(c), framing: c.kind === 'tcp' ? 'tcp' : 'rtu' }, 'modbus line open');
  }
}
