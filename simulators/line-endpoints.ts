import { createServer, type Socket } from 'node:net';
import { SerialPort } from 'serialport';

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

/** Listens on `host:port` (0: any free port), handing each connection to `serve`. */
export async function listenTcp(port: number, host: string, serve: (socket: Socket) => void): Promise<TcpListener> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const dropConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: typeof address === 'object' && address ? address.port : port,
    dropConnections,
    close: async () => {
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
