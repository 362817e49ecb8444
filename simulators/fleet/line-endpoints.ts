import { createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';
import { listen } from '../../lib/net/listen.js';

/**
 * Where a simulated line's bytes come and go: a serial port (in tests one end of a socat pty
 * pair), or a TCP port, as a serial device server (串口服务器, e.g. a USR-TCP232 in transparent
 * mode) forwards an RS-485 line's raw bytes, or as a Modbus TCP device listens.
 */

export interface SerialOptions {
  baudRate: number;
  /** @default none */
  parity?: 'none' | 'even' | 'odd';
  /** @default 8 */
  dataBits?: 7 | 8;
  /** @default 1 */
  stopBits?: 1 | 2;
}

export function openSerialPort(path: string, { baudRate, parity = 'none', dataBits = 8, stopBits = 1 }: SerialOptions): Promise<SerialPort> {
  return new Promise<SerialPort>((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, parity, dataBits, stopBits }, (err) => (err ? reject(err) : resolve(port)));
  });
}

export async function closeSerialPort(port: SerialPort | null): Promise<void> {
  if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

export interface TcpListener {
  /** The port listened on (the one asked for, or the one given for 0). */
  port: number;
  /** Cuts every open connection, as a device server that reboots or loses its uplink does; keeps listening. */
  dropConnections(): void;
  /** Stops listening and cuts every connection. */
  close(): Promise<void>;
}

/**
 * Listens on `host:port` (0: any free port), handing each connection to `serve`; a port in use
 * is refused naming `configKey`, the simulate config's key for it.
 */
export async function listenTcp(port: number, host: string, serve: (socket: Socket) => void, configKey = 'port'): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  const listening = await listen(server, { host, port, configKey });
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: listening,
    dropConnections,
    close: async () => {
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * One simulated RS-485 line's endpoints: its serial port and/or the serial device server that
 * forwards it over TCP, every connection served alike by `serve`.
 */
export class LineEndpoints {
  #port: SerialPort | null = null;
  #listener: TcpListener | null = null;
  /** The serial device server's port, once listening. */
  tcpPort = 0;

  constructor(private readonly serve: (stream: Duplex) => void) {}

  /** Serves the line on a serial port. */
  async openSerial(path: string, options: SerialOptions): Promise<void> {
    this.#port = await openSerialPort(path, options);
    this.serve(this.#port);
  }

  /** Serves the line as a serial device server on `host:port` (0: any free port); resolves with the port. */
  async listen(port: number, host: string, configKey?: string): Promise<number> {
    this.#listener = await listenTcp(port, host, (socket) => this.serve(socket), configKey);
    this.tcpPort = this.#listener.port;
    return this.tcpPort;
  }

  /** Cuts the TCP connections to the serial device server (the masters may connect again). */
  dropConnections(): void {
    this.#listener?.dropConnections();
  }

  async close(): Promise<void> {
    const [port, listener] = [this.#port, this.#listener];
    this.#port = null;
    this.#listener = null;
    await Promise.all([closeSerialPort(port), listener?.close()]);
  }
}
