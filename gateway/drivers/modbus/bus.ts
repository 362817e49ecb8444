import { connect, type Socket } from 'node:net';
import Modbus from 'modbus-serial';
import PQueue from 'p-queue';
import type { Logger } from '../../../lib/log.js';
import { DeviceReadError } from '../polling/read-fault.js';
import { describeSerialLine, type SerialLine } from '../../../lib/serial-line.js';

/** Modbus TCP (MBAP framing), or Modbus RTU on a serial line: a port, or a serial device server. */
export type BusConnection = { kind: 'tcp'; host: string; port: number } | ({ kind: 'rtu' } & SerialLine);

type ModbusClient = InstanceType<typeof Modbus.default>;

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
 * Empties what the line received before a request is sent, as an RS-485 master clears its
 * receive buffer before it transmits. modbus-serial's RTU ports (RTUBufferedPort on a serial
 * port, TelnetPort behind a serial device server) keep every byte no request took in `_buffer`
 * and look for the next reply from its start by unit id and function code only: a reply that
 * came after its timeout would be taken as the answer to that unit's next request. modbus-serial
 * has no call for this; `_buffer` is its ports' field as of 8.0 (the late-reply tests in
 * test/gateway/drivers/ fail if a new version moves it).
 */
function clearReceived(client: ModbusClient): void {
  const port = (client as unknown as { _port?: { _buffer?: unknown } })._port;
  if (port && Buffer.isBuffer(port._buffer)) port._buffer = Buffer.alloc(0);
}

/** A TCP connection to `host:port`, or a disconnected fault when there is none within `timeoutMs`. */
function connectSocket(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => fail(new DeviceReadError('disconnected', `no connection to ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    // Stays on for the socket's life: an error after the connect is the close listener's business.
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

/**
 * One Modbus line (a TCP gateway, an RS-485 port, or an RS-485 line behind a serial device
 * server): requests go one at a time, as RS-485 is half duplex, each with its own reply timeout.
 * A lost connection is opened again at the next request.
 *
 * A reply is not taken from an earlier request: the receive buffer is emptied before each
 * request; a TCP connection is dropped after a timeout; and after a timeout on an RTU line the
 * line is kept quiet for one more reply timeout before the next request, as libmodbus's error
 * recovery does (it sleeps a response timeout, then flushes), so that a slave answering late
 * does so into the buffer about to be emptied, not while another reply is awaited. A dead slave
 * on an RTU line thus costs the others up to twice its timeout. A reply later still than that
 * cannot be told from the next one's: such a slave needs a longer responseTimeout (gateway.yaml: on the device or its bus).
 */
export class ModbusBus {
  // modbus-serial is CommonJS: under NodeNext its class is the default export's `default` (the same object at run time).
  readonly #client: ModbusClient = new Modbus.default();
  readonly #queue = new PQueue({ concurrency: 1 });
  #opening: Promise<void> | null = null;
  /** Set when the connection was dropped: modbus-serial reports it open until the socket's close event. */
  #dropped = false;
  /** The socket of a TCP link (Modbus TCP, or a serial device server), which the bus opens itself. */
  #socket: Socket | null = null;
  /** Fails the request under way when the line closes. */
  #onClose: (() => void) | null = null;
  /** RTU: no request goes out before this (performance.now()), after a timeout. */
  #quietUntil = 0;

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
        await this.#ensureOpen(timeoutMs);
        await this.#quiet();
        this.#client.setID(unitId);
        this.#client.setTimeout(timeoutMs);
        clearReceived(this.#client); // synchronously before the request is written: nothing can slip in between
        const reply = await this.#unlessClosed(inputType === 'holding' ? this.#client.readHoldingRegisters(address, count) : this.#client.readInputRegisters(address, count));
        if (reply.data.length !== count) throw new DeviceReadError('other', `asked for ${count} registers, got ${reply.data.length}`);
        return reply.data;
      } catch (err) {
        const e = err instanceof DeviceReadError ? err : classify(err);
        if (this.connection.kind === 'tcp' && (e.fault === 'timeout' || e.fault === 'crc' || e.fault === 'other')) await this.#drop();
        if (this.connection.kind === 'rtu' && e.fault === 'timeout') this.#quietUntil = performance.now() + timeoutMs;
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
   * fails at once instead, as disconnected (a device server that rebooted, a USB adapter pulled,
   * a TCP connection reset).
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

  /** Waits out the quiet time after a timeout on an RTU line (see the class comment). */
  async #quiet(): Promise<void> {
    const wait = this.#quietUntil - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
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

  async #ensureOpen(timeoutMs: number): Promise<void> {
    if (this.#client.isOpen && !this.#dropped) return;
    this.#opening ??= this.#open(timeoutMs).finally(() => {
      this.#opening = null;
    });
    await this.#opening;
  }

  async #open(timeoutMs: number): Promise<void> {
    const c = this.connection;
    if (c.kind === 'rtu' && 'path' in c) {
      await this.#client.connectRTUBuffered(c.path, { baudRate: c.baudRate, parity: c.parity, dataBits: c.dataBits, stopBits: c.stopBits });
    } else {
      // The bus opens TCP links itself and hands modbus-serial the socket: on a socket error (a
      // connection reset) its TcpPort marks itself closed and emits no 'close', so the request
      // under way would run into its timeout; the socket's own close event is never missed.
      const { host, port } = c.kind === 'tcp' ? c : c.tcp;
      const socket = await connectSocket(host, port, timeoutMs);
      this.#socket = socket;
      socket.once('close', () => {
        if (this.#socket === socket) this.#onClose?.();
      });
      // Telnet is modbus-serial's name for raw RTU frames over TCP (its TcpRTUBuffered port is MBAP framing).
      if (c.kind === 'tcp') await this.#client.linkTCP(socket, { port });
      else await this.#client.linkTelnet(socket, { port });
    }
    this.#dropped = false;
    this.logger.info({ bus: this.id, connection: c.kind === 'tcp' ? `${c.host}:${c.port}` : describeSerialLine(c), framing: c.kind === 'tcp' ? 'tcp' : 'rtu' }, 'modbus line open');
  }
}
