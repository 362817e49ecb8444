import { connect, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';
import type { DeviceEvent } from '../../contract/metrics.js';
import { parseWatchMessage } from '../../firmware-profiles/codecs/watch-3g.js';
import type { DeviceModel, MetricValues } from '../fleet/device-model.js';
import { mixSeed, seededRandom } from '../../lib/seeded-random.js';

export interface WatchBandOptions {
  /** The id the band sends (its IMEI or registration code), as the gateway's config lists it. */
  watchId: string;
  /** @default "3G" */
  vendor?: string;
  /** The gateway's watch listener. */
  host: string;
  port: number;
  /** What the band measures and when it reports (a WristbandModel). */
  model: DeviceModel;
  clock: Clock;
  /** Reports after this moment are made (one due while dialling is sent late, not skipped). @default clock.now() at start */
  from?: number;
  /**
   * The clock of the protocol's own timing: reply timeouts and the redial backoff. A real run
   * passes wall time, since an accelerated story does not make TCP any faster (at 3600x a 20 s
   * reply timeout on the story's clock would be 6 ms). @default clock (a VirtualClock in tests
   * and the demo holds still while an echo travels)
   */
  protocolClock?: Clock;
  logger: Logger;
  /** LK every this often while connected. @default 300000 (5 min) */
  heartbeatMs?: number;
  /** An LK or AL without its echo after this long is sent again. @default 20000 */
  replyTimeoutMs?: number;
  /** Sends of one message without an echo before the band drops the connection and dials again. @default 3 */
  maxSends?: number;
  /** First wait before dialling again; doubles on each failure up to reconnectMaxMs. @default 5000 */
  reconnectMinMs?: number;
  /** @default 300000 */
  reconnectMaxMs?: number;
  /** UD or UD2 for position reports. @default "UD" */
  positionCommand?: 'UD' | 'UD2';
  /** Real milliseconds a connection attempt may take (a TCP matter, not simulated time). @default 10000 */
  connectTimeoutRealMs?: number;
  /**
   * Real milliseconds a send holds its clock timer while the echo is on its way. On a
   * VirtualClock time stands still until the timer resolves, so a reply the server already sent
   * arrives before the band could time out on it; a server that does not answer costs this much
   * real time per send. Other clocks do not wait on timers. @default 2000
   */
  replyWaitRealMs?: number;
  /** Jitter of the reconnect backoff. @default derived from watchId */
  seed?: number;
}

export interface WatchBandCounters {
  connects: number;
  disconnects: number;
  /** Frames written, re-sends and malformed ones included. */
  sent: number;
  resent: number;
  /** LK and AL echoes received. */
  replies: number;
  /** Reports not sent: the link was down, or the band was silent. */
  lost: number;
  /** Frames sent malformed (the garbage fault). */
  garbage: number;
}

/** A message the band waits to see echoed. */
interface Pending {
  command: 'LK' | 'AL';
  content: string;
  sends: number;
  timer: TimerHandle | null;
  waiters: Array<() => void>;
}

/** SOS: terminal status bit 16; fall: bits 21-22 (the watch protocol's AL). */
const STATUS_BITS: Partial<Record<DeviceEvent, number>> = { sos: 1 << 16, fall: 1 << 21, fence: 1 << 1 };

/**
 * A 4G elder wristband speaking the 3G watch protocol as a TCP client: it dials the gateway,
 * says LK on connecting and every heartbeat, reports its model's position (UD) and heart rate
 * (bphrt), and raises an SOS or a fall as AL with the status bits set. LK and AL wait for the
 * server's echo and go again after a timeout; after maxSends unanswered the band hangs up and
 * dials again with backoff, as real bands do. An AL survives the reconnect; a position report
 * made while the link is down is lost. Faults settable at run time: `silent` (sends nothing)
 * and `garbage` (sends malformed bytes).
 */
export class WatchBand {
  readonly counters: WatchBandCounters = { connects: 0, disconnects: 0, sent: 0, resent: 0, replies: 0, lost: 0, garbage: 0 };
  /** The band sends nothing at all; what it would have sent is lost. */
  silent = false;
  /** Every frame goes out malformed (broken firmware, a corrupting modem). */
  garbage = false;

  readonly #o: WatchBandOptions;
  readonly #protocol: Clock;
  readonly #random: () => number;
  #socket: Socket | null = null;
  #stopped = true;
  #failures = 0;
  #pending: Pending[] = [];
  #reportTimer: TimerHandle | null = null;
  #heartbeatTimer: TimerHandle | null = null;
  #reconnectTimer: TimerHandle | null = null;
  #lastValuesAt = Number.NEGATIVE_INFINITY;

  constructor(options: WatchBandOptions) {
    this.#o = options;
    this.#protocol = options.protocolClock ?? options.clock;
    this.#random = seededRandom(options.seed ?? mixSeed(...[...options.watchId].map((c) => c.charCodeAt(0))));
  }

  get connected(): boolean {
    return this.#socket !== null;
  }

  /** LK and AL messages sent and not yet echoed (an AL waits across reconnects). */
  get awaitingReply(): number {
    return this.#pending.length;
  }

  /** Starts reporting and dials once; if that fails, it dials again with backoff. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#scheduleReport(this.#o.from ?? this.#o.clock.now());
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const { clock } = this.#o;
    for (const timer of [this.#reportTimer, this.#heartbeatTimer]) if (timer) clock.clearTimeout(timer);
    if (this.#reconnectTimer) this.#protocol.clearTimeout(this.#reconnectTimer);
    for (const p of this.#pending) if (p.timer) this.#protocol.clearTimeout(p.timer);
    this.#reportTimer = this.#heartbeatTimer = this.#reconnectTimer = null;
    for (const p of this.#pending.splice(0)) this.#wake(p);
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.destroy();
      await closed;
    }
  }

  // ---- connection ----

  async #connect(): Promise<void> {
    this.#reconnectTimer = null;
    if (this.#stopped || this.#socket) return;
    const socket = connect({ host: this.#o.host, port: this.#o.port, noDelay: true });
    socket.on('error', (err) => this.#o.logger.debug({ watchId: this.#o.watchId, err: err.message }, 'watch band: connection error'));
    socket.setTimeout(this.#o.connectTimeoutRealMs ?? 10_000, () => socket.destroy(new Error('connect timed out')));
    const error = await new Promise<Error | null>((resolve) => {
      socket.once('connect', () => resolve(null));
      socket.once('error', (err) => resolve(err));
    });
    if (error || this.#stopped) {
      socket.destroy();
      if (error) this.#o.logger.debug({ watchId: this.#o.watchId, err: error.message }, 'watch band: cannot connect');
      this.#failures++;
      this.#scheduleReconnect();
      return;
    }
    socket.setTimeout(0);
    this.#socket = socket;
    this.#failures = 0;
    this.counters.connects++;
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.#socket) return; // hung up: a late echo acknowledges nothing
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const parsed = parseWatchMessage(buffer);
        if (parsed.ok === 'incomplete') break;
        buffer = buffer.subarray(parsed.ok ? parsed.length : parsed.skip);
        if (parsed.ok) this.#onMessage(parsed.message.command);
      }
    });
    socket.on('close', () => this.#onClose(socket));
    this.#heartbeatTimer = this.#o.clock.setTimeout(() => this.#heartbeat(), this.#o.heartbeatMs ?? 300_000);
    if (this.silent) return;
    // A band says LK first; alarms that waited for the link go next.
    const alarms = this.#pending.filter((x) => x.command === 'AL');
    const waits = [this.#request('LK', this.#lk(this.#valuesNow()))];
    for (const p of alarms) waits.push(this.#transmit(p));
    await Promise.all(waits);
  }

  /** The link is gone (the server closed it, the network failed, or the band hung up). */
  #onClose(socket: Socket): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.counters.disconnects++;
    if (this.#heartbeatTimer) this.#o.clock.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = null;
    for (const p of this.#pending) {
      if (p.timer) this.#protocol.clearTimeout(p.timer);
      p.timer = null;
      p.sends = 0;
      this.#wake(p);
    }
    // An unanswered heartbeat means nothing on a new link; an alarm must still get through.
    this.#pending = this.#pending.filter((p) => p.command === 'AL');
    if (!this.#stopped) this.#scheduleReconnect();
  }

  #hangUp(reason: string): void {
    const socket = this.#socket;
    if (!socket) return;
    this.#o.logger.warn({ watchId: this.#o.watchId }, `watch band: ${reason}; dialling again`);
    this.#onClose(socket);
    socket.destroy();
  }

  #scheduleReconnect(): void {
    if (this.#stopped || this.#reconnectTimer) return;
    const min = this.#o.reconnectMinMs ?? 5_000;
    const max = this.#o.reconnectMaxMs ?? 300_000;
    // Right after a drop: min; after each failed dial: twice the wait before it.
    const backoff = Math.min(max, min * 2 ** this.#failures);
    // Jitter, so a thousand bands cut off together do not all dial back in the same second.
    const delay = Math.round(backoff * (0.75 + 0.5 * this.#random()));
    this.#reconnectTimer = this.#protocol.setTimeout(() => this.#connect(), delay);
  }

  // ---- what the band sends ----

  #scheduleReport(after: number): void {
    const report = this.#o.model.nextReportAfter(after);
    if (!report || this.#stopped) return;
    this.#reportTimer = this.#o.clock.setTimeout(async () => {
      this.#reportTimer = null;
      this.#scheduleReport(report.at);
      await this.#report(report.at, report.events);
    }, report.at - this.#o.clock.now());
  }

  async #report(at: number, events: readonly DeviceEvent[]): Promise<void> {
    const values = this.#valuesAt(at);
    if (this.silent) {
      this.counters.lost++;
      return;
    }
    if (events.length > 0) return this.#request('AL', this.#position('AL', at, values, events));
    if (!this.#socket) {
      this.counters.lost++;
      return;
    }
    const writes = [this.#write(this.#position(this.#o.positionCommand ?? 'UD', at, values, []))];
    const hr = values.heart_rate_bpm;
    // No blood pressure in the model: plausible figures around the heart rate.
    if (hr !== undefined) writes.push(this.#write(`bphrt,${110 + Math.round(hr / 5)},${70 + Math.round(hr / 10)},${Math.round(hr)},,,,`));
    await Promise.all(writes);
  }

  async #heartbeat(): Promise<void> {
    this.#heartbeatTimer = this.#o.clock.setTimeout(() => this.#heartbeat(), this.#o.heartbeatMs ?? 300_000);
    // One LK at a time: an unanswered one is being sent again already.
    if (this.silent || !this.#socket || this.#pending.some((p) => p.command === 'LK')) return;
    await this.#request('LK', this.#lk(this.#valuesNow()));
  }

  /** Sends a message the server echoes, and keeps it until the echo comes. */
  #request(command: Pending['command'], content: string): Promise<void> {
    const p: Pending = { command, content, sends: 0, timer: null, waiters: [] };
    this.#pending.push(p);
    return this.#socket ? this.#transmit(p) : Promise.resolve();
  }

  #transmit(p: Pending): Promise<void> {
    if (p.sends > 0) this.counters.resent++;
    p.sends++;
    const waited = new Promise<void>((resolve) => {
      const real = setTimeout(resolve, this.#o.replyWaitRealMs ?? 2_000);
      p.waiters.push(() => {
        clearTimeout(real);
        resolve();
      });
    });
    p.timer = this.#protocol.setTimeout(() => this.#onReplyTimeout(p), this.#o.replyTimeoutMs ?? 20_000);
    void this.#write(p.content);
    return waited;
  }

  #onReplyTimeout(p: Pending): Promise<void> | undefined {
    p.timer = null;
    if (!this.#pending.includes(p) || !this.#socket) return;
    if (this.silent) {
      this.#pending = this.#pending.filter((x) => x !== p);
      this.#wake(p);
      this.counters.lost++;
      return;
    }
    if (p.sends >= (this.#o.maxSends ?? 3)) {
      this.#hangUp(`no reply to ${p.command} after ${p.sends} sends`);
      return;
    }
    return this.#transmit(p);
  }

  /** An echo from the server acknowledges the oldest message of its command. */
  #onMessage(command: string): void {
    const acked = command.startsWith('AL') ? 'AL' : command;
    const p = this.#pending.find((x) => x.command === acked);
    if (!p) return;
    this.counters.replies++;
    this.#pending = this.#pending.filter((x) => x !== p);
    if (p.timer) this.#protocol.clearTimeout(p.timer);
    p.timer = null;
    this.#wake(p);
  }

  /** Ends the wait of whoever sent `p` (echoed, or the link is gone). */
  #wake(p: Pending): void {
    for (const wake of p.waiters.splice(0)) wake();
  }

  /** Writes one frame; resolves once it is handed to the network. */
  #write(content: string): Promise<void> {
    const socket = this.#socket;
    if (!socket) return Promise.resolve();
    const vendor = this.#o.vendor ?? '3G';
    const frame = `[${vendor}*${this.#o.watchId}*${Buffer.byteLength(content, 'latin1').toString(16).toUpperCase().padStart(4, '0')}*${content}]`;
    this.counters.sent++;
    let bytes = Buffer.from(frame, 'latin1');
    if (this.garbage) {
      this.counters.garbage++;
      // No '[' anywhere: nothing in it can pass for a message.
      bytes = Buffer.concat([Buffer.from([0x00, 0xff, 0x13, 0x37]), Buffer.from(frame.slice(1).replaceAll('*', '#'), 'latin1')]);
    }
    return new Promise((resolve) => socket.write(bytes, () => resolve()));
  }

  // ---- message content ----

  #valuesNow(): MetricValues {
    return this.#valuesAt(this.#o.clock.now());
  }

  /** The model is asked in time order, as it requires. */
  #valuesAt(at: number): MetricValues {
    this.#lastValuesAt = Math.max(at, this.#lastValuesAt);
    return this.#o.model.valuesAt(this.#lastValuesAt);
  }

  #lk(values: MetricValues): string {
    return `LK,0,0,${battery(values)}`;
  }

  /** UD, UD2 or AL: date, time, fix, position, speed, course, altitude, satellites, GSM, battery, steps, rolls, status, no cells, no Wi-Fi. */
  #position(command: string, at: number, values: MetricValues, events: readonly DeviceEvent[]): string {
    const iso = new Date(at).toISOString();
    const date = `${iso.slice(8, 10)}${iso.slice(5, 7)}${iso.slice(2, 4)}`;
    const time = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
    const lat = values.latitude_deg;
    const lon = values.longitude_deg;
    const fix =
      lat === undefined || lon === undefined
        ? 'V,00.000000,N,000.000000,E'
        : `A,${Math.abs(lat).toFixed(6)},${lat < 0 ? 'S' : 'N'},${Math.abs(lon).toFixed(6)},${lon < 0 ? 'W' : 'E'}`;
    let status = 0;
    for (const e of events) status |= STATUS_BITS[e] ?? 0;
    return `${command},${date},${time},${fix},0.00,0.0,0.0,${fix.startsWith('A') ? 8 : 0},100,${battery(values)},0,0,${status.toString(16).toUpperCase().padStart(8, '0')},0,0`;
  }
}

/** Bands always send a battery level; an empty field would read as 0 %. */
function battery(values: MetricValues): number {
  return Math.round(values.battery_pct ?? 100);
}
