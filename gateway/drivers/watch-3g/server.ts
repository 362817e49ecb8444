import { createServer, type Server, type Socket } from 'node:net';
import type { Clock } from '../../../lib/time/clock.js';
import { listen } from '../../../lib/net/listen.js';
import type { Logger } from '../../../lib/log.js';
import type { Reading } from '../../../contract/reading.js';
import { decodeWatchMessage, isWatchAlarm, parseWatchMessage, watchReply, type WatchMessage } from '../../../firmware-profiles/codecs/watch-3g.js';
import type { DeviceActivity } from '../device-activity.js';
import type { ReadingSink } from '../../../contract/reading-sink.js';
import { WatchInputGuard } from './input-guard.js';
import type { DeviceContext } from '../../../contract/device-context.js';

export interface WatchServerOptions {
  host: string;
  port: number;
  /** Wristbands by the id they send (IMEI or registration code). */
  devices: ReadonlyMap<string, DeviceContext>;
  sink: ReadingSink;
  /** Last seen and unreadable messages, per wristband. */
  activity?: DeviceActivity;
  clock: Clock;
  logger: Logger;
  /** A connection that sends nothing for this long is closed (a 4G band sends LK every few minutes). @default 600000 */
  idleTimeoutMs?: number;
  /** A connection that buffers more than this without a complete message is closed. @default 65536 */
  maxBufferBytes?: number;
  /** Connections at once; more are closed as they come (a band dials again later). @default 1000 */
  maxConnections?: number;
  /**
   * Take a band's messages only from the address it first sent from (since this gateway
   * started): for a private APN with fixed addresses, where another address is someone else
   * using the band's id. Off by default: on a public APN a band's address changes. @default false
   */
  bindToFirstAddress?: boolean;
  /** A connection that sends this much garbage with no good message in between is closed. @default 4096 bytes, 32 pieces */
  maxGarbageInARow?: { bytes: number; pieces: number };
}

/** One band's connection: its socket, where it comes from, and what it sent that made no sense. */
interface Connection {
  socket: Socket;
  remote: string;
  guard: WatchInputGuard;
  /** Messages refused because their band is bound to another address (logged once per connection). */
  wrongAddress: number;
  /** Closed for garbage: that log line already gave the count. */
  closedForGarbage: boolean;
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
  /** Connections closed for sending nothing but garbage. */
  closedForGarbage: number;
  /** Connections refused at once: watch.maxConnections were open. */
  refusedConnections: number;
  /** Messages refused because their band's id came from another address than the band's (bindToFirstAddress). */
  wrongAddress: number;
}

/**
 * The TCP listener 4G wristbands dial into (on a gateway deployed centrally). Each message is
 * evaluated before it is acknowledged: the LK/AL reply, which the band waits for, goes out after
 * the reading (and any SOS alert) is committed, so a band whose alarm was not stored sends it
 * again. Malformed input is skipped and counted, and logged once per connection; a connection
 * that sends nothing but garbage is closed, and so is one over watch.maxConnections. The protocol
 * has no authentication: anyone who reaches the port can claim a band's id (see the README).
 */
export class WatchServer {
  readonly counters: WatchServerCounters = { connections: 0, messages: 0, readings: 0, unknownDevice: 0, malformed: 0, repeatedAlarms: 0, unreadableAlarms: 0, closedForGarbage: 0, refusedConnections: 0, wrongAddress: 0 };
  #server: Server | null = null;
  /**
   * Each band's last alarm taken, by content, and when it is on disk. A band sends an AL again
   * when its echo is late or the link drops; the AL carries the alarm's own date and time, so the
   * same content is the same alarm: one fall is one alert however often it comes.
   */
  readonly #lastAlarm = new Map<string, { content: string; durable: Promise<void> | undefined }>();
  readonly #sockets = new Set<Socket>();
  /** With bindToFirstAddress: each band's address, as it first sent from. */
  readonly #addresses = new Map<string, string>();
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
    const maxConnections = this.o.maxConnections ?? 1_000;
    if (this.#sockets.size >= maxConnections) {
      // Counted; logged at the first and every thousandth, so a connection flood writes no log flood.
      if (this.counters.refusedConnections++ % 1_000 === 0) {
        this.o.logger.warn({ remote: socket.remoteAddress, open: this.#sockets.size, refused: this.counters.refusedConnections }, 'watch connection refused: watch.maxConnections are open');
      }
      socket.destroy();
      return;
    }
    this.counters.connections++;
    this.#sockets.add(socket);
    const garbage = this.o.maxGarbageInARow ?? { bytes: 4_096, pieces: 32 };
    const conn: Connection = { socket, remote: socket.remoteAddress ?? '?', guard: new WatchInputGuard({ maxBytesInARow: garbage.bytes, maxPiecesInARow: garbage.pieces }), wrongAddress: 0, closedForGarbage: false };
    socket.on('close', () => {
      this.#sockets.delete(socket);
      const { malformed, skippedBytes } = conn.guard;
      if (malformed > 1 && !conn.closedForGarbage) this.o.logger.info({ remote: conn.remote, malformed, skippedBytes }, 'watch connection closed; malformed input it sent');
    });
    let buffer: Buffer = Buffer.alloc(0);
    socket.setTimeout(this.o.idleTimeoutMs ?? 600_000, () => socket.destroy());
    socket.on('error', (err) => this.o.logger.debug({ err: err.message }, 'watch connection error'));
    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      while (!socket.destroyed) {
        const parsed = parseWatchMessage(buffer);
        if (parsed.ok === 'incomplete') break;
        if (!parsed.ok) {
          this.#malformed(conn, parsed.reason, parsed.skip);
          buffer = buffer.subarray(parsed.skip);
          continue;
        }
        buffer = buffer.subarray(parsed.length);
        this.#handle(parsed.message, conn);
      }
      if (!socket.destroyed && buffer.length > (this.o.maxBufferBytes ?? 65_536)) {
        this.o.logger.warn({ remote: conn.remote, bytes: buffer.length }, 'watch connection sends no complete message; closed');
        socket.destroy();
      }
    });
  }

  /** Counts a malformed piece; logs the connection's first; closes a connection that sends only garbage. */
  #malformed(conn: Connection, reason: string, bytes: number): void {
    this.counters.malformed++;
    if (conn.guard.record(reason, bytes)) {
      this.o.logger.warn({ remote: conn.remote, reason }, 'malformed watch input skipped (further malformed input on this connection is counted, and logged when it closes)');
    }
    if (conn.guard.hopeless) {
      this.counters.closedForGarbage++;
      conn.closedForGarbage = true;
      this.o.logger.warn({ remote: conn.remote, malformed: conn.guard.malformed, skippedBytes: conn.guard.skippedBytes }, 'watch connection sends nothing but garbage; closed');
      conn.socket.destroy();
    }
  }

  #handle(message: WatchMessage, conn: Connection): void {
    const { socket } = conn;
    this.counters.messages++;
    const device = this.o.devices.get(message.deviceId);
    if (!device) {
      this.counters.unknownDevice++;
      this.o.logger.debug({ watchId: message.deviceId, command: message.command }, 'message from a wristband not in the config');
      return;
    }
    if (!this.#fromItsAddress(message.deviceId, conn)) return;
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
    const reading = this.#readingOf(message, alarm, device.deviceId, conn);
    if (reading) {
      try {
        this.o.sink.process(reading, device);
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
    const durable = reading ? this.o.sink.durable?.() : undefined;
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
  #readingOf(message: WatchMessage, alarm: string | undefined, deviceId: string, conn: Connection): Reading | undefined {
    const at = this.o.clock.now();
    const decoded = decodeWatchMessage(message);
    if (decoded && !('error' in decoded)) {
      conn.guard.good();
      return decoded.events.length > 0 ? { deviceId, at, metrics: decoded.metrics, events: decoded.events } : { deviceId, at, metrics: decoded.metrics };
    }
    if (decoded) {
      this.o.activity?.malformed(deviceId, decoded.error);
      if (alarm === undefined) this.#malformed(conn, `${message.command} from ${deviceId}: ${decoded.error}`, 0);
      else {
        // An alarm is never one of a flood's lines: each is logged, and raised below.
        this.counters.malformed++;
        this.o.logger.warn({ device: deviceId, command: message.command, reason: decoded.error }, 'alarm from a band not understood; raised as unreadable');
      }
    } else {
      conn.guard.good();
      this.o.activity?.seen(deviceId, false); // a heartbeat: alive, nothing to read
    }
    if (alarm === undefined) return undefined;
    this.counters.unreadableAlarms++;
    const reason = decoded?.error ?? 'nothing in it to read';
    const sent = alarm.length > 120 ? `${alarm.slice(0, 120)}...` : alarm;
    return { deviceId, at, metrics: {}, events: ['unreadable_alarm'], eventNote: `${reason} (${JSON.stringify(sent)})` };
  }

  /** With bindToFirstAddress, whether the band's message comes from the address it first sent from. */
  #fromItsAddress(watchId: string, conn: Connection): boolean {
    if (!this.o.bindToFirstAddress) return true;
    const bound = this.#addresses.get(watchId);
    if (bound === undefined) {
      this.#addresses.set(watchId, conn.remote);
      return true;
    }
    if (bound === conn.remote) return true;
    this.counters.wrongAddress++;
    if (conn.wrongAddress++ === 0) {
      this.o.logger.warn({ watchId, remote: conn.remote, bound }, 'message with a band id from another address than the band\'s: refused, not answered (watch.bindToFirstAddress)');
    }
    return false;
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
