import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { decodeWatchMessage, parseWatchMessage, watchReply } from '../../firmware-profiles/watch-3g-codec.js';
import type { DeviceActivity } from '../device-activity.js';
import type { ReadingSink } from '../reading-sink.js';
import type { DeviceContext } from '../rules/evaluator.js';

export interface WatchServerOptions {
  host: string;
  port: number;
  /** Wristbands by the id they send (IMEI or registration code). */
  devices: ReadonlyMap<string, DeviceContext>;
  engine: ReadingSink;
  /** Last seen and unreadable messages, per wristband. */
  activity?: DeviceActivity;
  clock: Clock;
  logger: Logger;
  /** A connection that sends nothing for this long is closed (a 4G band sends LK every few minutes). @default 600000 */
  idleTimeoutMs?: number;
  /** A connection that buffers more than this without a complete message is closed. @default 65536 */
  maxBufferBytes?: number;
}

export interface WatchServerCounters {
  connections: number;
  messages: number;
  readings: number;
  unknownDevice: number;
  malformed: number;
}

/**
 * The TCP listener 4G wristbands dial into (on a gateway deployed centrally). Each message is
 * evaluated before it is acknowledged: the LK/AL reply, which the band waits for, goes out after
 * the reading (and any SOS alert) is committed, so a band whose alarm was not stored sends it
 * again. Malformed input closes nothing but its own bytes; a stream that makes no sense is closed.
 */
export class WatchServer {
  readonly counters: WatchServerCounters = { connections: 0, messages: 0, readings: 0, unknownDevice: 0, malformed: 0 };
  #server: Server | null = null;
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly o: WatchServerOptions) {}

  async start(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.#serve(socket));
    server.listen(this.o.port, this.o.host);
    await once(server, 'listening');
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.o.port;
    this.#server = server;
    this.o.logger.info({ port: this.port, wristbands: this.o.devices.size }, 'watch protocol listening');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #serve(socket: Socket): void {
    this.counters.connections++;
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.setTimeout(this.o.idleTimeoutMs ?? 600_000, () => socket.destroy());
    socket.on('error', (err) => this.o.logger.debug({ err: err.message }, 'watch connection error'));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseWatchMessage(buffer);
        if (parsed.ok === 'incomplete') break;
        if (!parsed.ok) {
          this.counters.malformed++;
          this.o.logger.warn({ remote: socket.remoteAddress, reason: parsed.reason }, 'malformed watch message skipped');
          buffer = buffer.subarray(parsed.skip);
          continue;
        }
        buffer = buffer.subarray(parsed.length);
        this.#handle(parsed.message, socket);
      }
      if (buffer.length > (this.o.maxBufferBytes ?? 65_536)) {
        this.o.logger.warn({ remote: socket.remoteAddress, bytes: buffer.length }, 'watch connection sends no complete message; closed');
        socket.destroy();
      }
    });
  }

  #handle(message: Parameters<typeof watchReply>[0], socket: Socket): void {
    this.counters.messages++;
    const device = this.o.devices.get(message.deviceId);
    if (!device) {
      this.counters.unknownDevice++;
      this.o.logger.debug({ watchId: message.deviceId, command: message.command }, 'message from a wristband not in the config');
      return;
    }
    const decoded = decodeWatchMessage(message);
    if (decoded && 'error' in decoded) {
      this.counters.malformed++;
      this.o.activity?.malformed(device.deviceId, decoded.error);
      this.o.logger.warn({ device: device.deviceId, command: message.command, reason: decoded.error }, 'watch message not understood');
    } else if (decoded) {
      try {
        const reading = { deviceId: device.deviceId, at: this.o.clock.now(), metrics: decoded.metrics };
        this.o.engine.process(decoded.events.length > 0 ? { ...reading, events: decoded.events } : reading, device);
        this.counters.readings++;
        this.o.activity?.seen(device.deviceId);
      } catch (err) {
        // Not stored: no reply, so the band sends its alarm again.
        this.o.logger.error({ err, device: device.deviceId }, 'watch reading could not be stored; not acknowledged');
        return;
      }
    } else {
      this.o.activity?.seen(device.deviceId, false); // a heartbeat: alive, nothing to read
    }
    const reply = watchReply(message);
    if (!reply) return;
    // The band waits for this echo: send it once the reading is on disk.
    const durable = decoded && !('error' in decoded) ? this.o.engine.durable?.() : undefined;
    if (!durable) socket.write(reply);
    else durable.then(
      () => socket.writable && socket.write(reply),
      (err: unknown) => this.o.logger.error({ err, device: device.deviceId }, 'watch reading could not be stored; not acknowledged'),
    );
  }
}
