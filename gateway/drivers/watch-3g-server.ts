import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import { listen } from '../../lib/listen.js';
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
  /** An AL the band sent again (same content: its own date, time and status), echoed and not counted twice. */
  repeatedAlarms: number;
}

/**
 * The TCP listener 4G wristbands dial into (on a gateway deployed centrally). Each message is
 * evaluated before it is acknowledged: the LK/AL reply, which the band waits for, goes out after
 * the reading (and any SOS alert) is committed, so a band whose alarm was not stored sends it
 * again. Malformed input closes nothing but its own bytes; a stream that makes no sense is closed.
 */
export class WatchServer {
  readonly counters: WatchServerCounters = { connections: 0, messages: 0, readings: 0, unknownDevice: 0, malformed: 0, repeatedAlarms: 0 };
  #server: Server | null = null;
  /**
   * Each band's last alarm taken, by content, and when it is on disk. A band sends an AL again
   * when its echo is late or the link drops; the AL carries the alarm's own date and time, so the
   * same content is the same alarm: one fall is one alert however often it comes.
   */
  readonly #lastAlarm = new Map<string, { content: string; durable: Promise<void> | undefined }>();
  readonly #sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly o: WatchServerOptions) {}

  async start(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.#serve(socket));
    this.port = await listen(server, { host: this.o.host, port: this.o.port, configKey: 'watch.port' });
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
    const alarm = message.command.startsWith('AL') ? `${message.command},${message.fields.join(',')}` : undefined;
    const taken = alarm === undefined ? undefined : this.#lastAlarm.get(device.deviceId);
    if (taken && taken.content === alarm) {
      this.counters.repeatedAlarms++;
      this.o.activity?.seen(device.deviceId, false);
      this.o.logger.debug({ device: device.deviceId }, 'alarm sent again by the band: echoed, not raised again');
      const reply = watchReply(message);
      if (reply) this.#replyAfter(taken.durable, reply, socket, device.deviceId);
      return;
    }
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
    const durable = decoded && !('error' in decoded) ? this.o.engine.durable?.() : undefined;
    if (alarm !== undefined && decoded && !('error' in decoded)) {
      const entry = { content: alarm, durable };
      this.#lastAlarm.set(device.deviceId, entry);
      // Not on disk after all: the band's next send of it is a new chance, not a repeat.
      durable?.catch(() => this.#lastAlarm.get(device.deviceId) === entry && this.#lastAlarm.delete(device.deviceId));
    }
    const reply = watchReply(message);
    if (reply) this.#replyAfter(durable, reply, socket, device.deviceId);
  }

  /** The band waits for this echo: it goes once the reading (and any alarm) is on disk. */
  #replyAfter(durable: Promise<void> | undefined, reply: Buffer, socket: Socket, deviceId: string): void {
    if (!durable) {
      socket.write(reply);
      return;
    }
    durable.then(
      () => socket.writable && socket.write(reply),
      (err: unknown) => this.o.logger.error({ err, device: deviceId }, 'watch reading could not be stored; not acknowledged'),
    );
  }
}
