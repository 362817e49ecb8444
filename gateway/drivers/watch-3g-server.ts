import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';
import { listen } from '../../lib/listen.js';
import type { Logger } from '../../lib/log.js';
import type { Reading } from '../../firmware-profiles/reading.js';
import { decodeWatchMessage, isWatchAlarm, parseWatchMessage, watchReply, type WatchMessage } from '../../firmware-profiles/watch-3g-codec.js';
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
  /** Alarms that could not be read (a bad status, too few fields...), raised as "unreadable-alarm" and then echoed. */
  unreadableAlarms: number;
}

/**
 * The TCP listener 4G wristbands dial into (on a gateway deployed centrally). Each message is
 * evaluated before it is acknowledged: the LK/AL reply, which the band waits for, goes out after
 * the reading (and any SOS alert) is committed, so a band whose alarm was not stored sends it
 * again. Malformed input closes nothing but its own bytes; a stream that makes no sense is closed.
 */
export class WatchServer {
  readonly counters: WatchServerCounters = { connections: 0, messages: 0, readings: 0, unknownDevice: 0, malformed: 0, repeatedAlarms: 0, unreadableAlarms: 0 };
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

  #handle(message: WatchMessage, socket: Socket): void {
    this.counters.messages++;
    const device = this.o.devices.get(message.deviceId);
    if (!device) {
      this.counters.unknownDevice++;
      this.o.logger.debug({ watchId: message.deviceId, command: message.command }, 'message from a wristband not in the config');
      return;
    }
    const alarm = isWatchAlarm(message) ? [message.command, ...message.fields].join(',') : undefined;
    const taken = alarm === undefined ? undefined : this.#lastAlarm.get(device.deviceId);
    if (taken && taken.content === alarm) {
      this.counters.repeatedAlarms++;
      this.o.activity?.seen(device.deviceId, false);
      this.o.logger.debug({ device: device.deviceId }, 'alarm sent again by the band: echoed, not raised again');
      const reply = watchReply(message);
      if (reply) this.#replyAfter(taken.durable, reply, socket, device.deviceId);
      return;
    }
    const reading = this.#readingOf(message, alarm, device.deviceId);
    if (reading) {
      try {
        this.o.engine.process(reading, device);
      } catch (err) {
        // Not stored: no reply, so the band sends its alarm again.
        this.o.logger.error({ err, device: device.deviceId }, 'watch reading could not be stored; not acknowledged');
        return;
      }
      if (reading.eventNote === undefined) {
        this.counters.readings++;
        this.o.activity?.seen(device.deviceId);
      }
    }
    const durable = reading ? this.o.engine.durable?.() : undefined;
    if (alarm !== undefined && reading) {
      const entry = { content: alarm, durable };
      this.#lastAlarm.set(device.deviceId, entry);
      // Not on disk after all: the band's next send of it is a new chance, not a repeat.
      durable?.catch(() => this.#lastAlarm.get(device.deviceId) === entry && this.#lastAlarm.delete(device.deviceId));
    }
    // Every alarm reaches the rules (readable or not) and is echoed only once that is on disk.
    const reply = watchReply(message);
    if (reply) this.#replyAfter(durable, reply, socket, device.deviceId);
  }

  /**
   * What the rules get of a message: its reading; for an alarm that cannot be read, an
   * "unreadable_alarm" event naming what the band sent (an unreadable alarm is still an alarm);
   * undefined for a heartbeat or a message that says nothing the rules use.
   */
  #readingOf(message: WatchMessage, alarm: string | undefined, deviceId: string): Reading | undefined {
    const at = this.o.clock.now();
    const decoded = decodeWatchMessage(message);
    if (decoded && !('error' in decoded)) {
      return decoded.events.length > 0 ? { deviceId, at, metrics: decoded.metrics, events: decoded.events } : { deviceId, at, metrics: decoded.metrics };
    }
    if (decoded) {
      this.counters.malformed++;
      this.o.activity?.malformed(deviceId, decoded.error);
      this.o.logger.warn({ device: deviceId, command: message.command, reason: decoded.error }, 'watch message not understood');
    } else {
      this.o.activity?.seen(deviceId, false); // a heartbeat: alive, nothing to read
    }
    if (alarm === undefined) return undefined;
    this.counters.unreadableAlarms++;
    const reason = decoded?.error ?? 'nothing in it to read';
    const sent = alarm.length > 120 ? `${alarm.slice(0, 120)}...` : alarm;
    return { deviceId, at, metrics: {}, events: ['unreadable_alarm'], eventNote: `${reason} (${JSON.stringify(sent)})` };
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
