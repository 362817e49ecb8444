import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Logger } from '../../lib/log.js';
import { InputError } from '../../lib/validation.js';

export interface FloodOptions {
  /** host and port of the broker under test. */
  host: string;
  port: number;
  clients: number;
  /** Messages a second, all clients together. */
  ratePerS: number;
  durationMs: number;
  qos: 0 | 1;
  /**
   * QoS 1: publishes a client may have unacknowledged; at the window it skips its turn (counted
   * as blocked), as real clients do (Mosquitto's max_inflight_messages, 20). @default 20
   */
  inflight?: number;
  username?: string;
  /** Sent with `username` only: MQTT 3.1.1 has no password without a user name (3.1.2.9). */
  password?: string;
  /** How long a client waits for the broker's CONNACK before it gives up (counted as dropped). @default 10_000 */
  connackTimeoutMs?: number;
  /** Client i is device `${devicePrefix}${i}` (1-based, zero-padded to 4 digits). */
  devicePrefix: string;
  /** `{device}` is replaced by the device id. */
  topic: string;
  logger: Logger;
  /** Called about once a second with the running totals. */
  onProgress?: (totals: FloodTotals) => void;
}

export interface FloodTotals {
  connected: number;
  /** PUBLISH packets written to the sockets. */
  sent: number;
  /** PUBACKs received (QoS 1). */
  acked: number;
  /**
   * Sends skipped because the broker was not taking them: a socket's buffer was full, or (QoS 1)
   * the client's in-flight window. sent + blocked is the load offered.
   */
  blocked: number;
  /**
   * Connections the broker refused (at TCP connect or in its CONNACK), closed (before or after
   * its CONNACK), or left without a CONNACK for connackTimeoutMs.
   */
  dropped: number;
  elapsedMs: number;
}

export interface FloodResult extends FloodTotals {
  /** sent / elapsed seconds. */
  achievedRatePerS: number;
}

interface FloodClient {
  socket: Socket;
  device: string;
  topic: string;
  nextId: number;
  /** QoS 1 publishes not yet acknowledged. */
  unacked: number;
  volume: number;
  /** connecting: until its CONNACK; open: publishing; done: refused, dropped, or hung up by us. */
  state: 'connecting' | 'open' | 'done';
}

const TICK_MS = 10;
const INFLIGHT = 20;
const CONNACK_TIMEOUT_MS = 10_000;

/**
 * A load generator for an MQTT broker: many clients on raw sockets (one process, little CPU per
 * message), each a water meter publishing valid readings, together at a fixed total rate. It is
 * how the gateway is proven to hold a flood back instead of collapsing, and to keep new
 * connections and an SOS flowing through it. When the broker stops reading, the generator does
 * not buffer without bound: a client whose socket is full, or whose QoS 1 in-flight window is,
 * skips its turn, counted as `blocked`.
 */
export async function runFlood(o: FloodOptions): Promise<FloodResult> {
  // mqtt-packet refuses to encode it with an 'error' event nobody listens to: a crash at the first connect.
  if (o.password !== undefined && o.username === undefined) throw new InputError('a password is sent with a username only (MQTT 3.1.1): give the username too');
  const totals: FloodTotals = { connected: 0, sent: 0, acked: 0, blocked: 0, dropped: 0, elapsedMs: 0 };
  const clients: FloodClient[] = [];
  // Connect in waves, as a fleet coming back after a power cut would, but not all at one instant.
  for (let i = 0; i < o.clients; i += 50) {
    const wave = Array.from({ length: Math.min(50, o.clients - i) }, (_, k) => connectClient(o, i + k + 1, totals));
    clients.push(...(await Promise.all(wave)));
  }
  o.logger.info({ clients: totals.connected, refused: totals.dropped }, 'flood clients connected');
  if (totals.connected === 0) {
    o.logger.error({ host: o.host, port: o.port, refused: totals.dropped }, 'no flood client connected: is the broker there, and are the credentials right?');
    return { ...totals, achievedRatePerS: 0 };
  }

  const started = performance.now();
  let lastProgress = started;
  let turn = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      totals.elapsedMs = now - started;
      const target = Math.min(o.ratePerS * (Math.min(totals.elapsedMs, o.durationMs) / 1000), (o.ratePerS * o.durationMs) / 1000);
      let due = Math.floor(target) - totals.sent - totals.blocked;
      let idle = 0;
      while (due > 0 && idle < clients.length) {
        const c = clients[turn++ % clients.length]!;
        if (c.state !== 'open') {
          idle++;
          continue;
        }
        idle = 0;
        due--;
        if (c.socket.writableNeedDrain || (o.qos === 1 && c.unacked >= (o.inflight ?? INFLIGHT))) {
          totals.blocked++;
          continue;
        }
        c.socket.write(publish(o, c));
        if (o.qos === 1) c.unacked++;
        totals.sent++;
      }
      if (now - lastProgress >= 1_000) {
        lastProgress = now;
        o.onProgress?.({ ...totals });
      }
      if (totals.elapsedMs >= o.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });

  // Give the last PUBACKs a moment (a broker holding a client back reads its window at its rate), then hang up.
  if (o.qos === 1) {
    const deadline = performance.now() + 30_000;
    while (totals.acked < totals.sent && performance.now() < deadline && clients.some((c) => c.state === 'open')) await new Promise((r) => setTimeout(r, 20));
  }
  totals.elapsedMs = Math.min(totals.elapsedMs, o.durationMs);
  for (const c of clients) {
    if (c.state !== 'open') continue;
    c.state = 'done'; // our own hang-up, not a drop
    c.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
  }
  await Promise.all(clients.map((c) => (c.socket.closed ? undefined : new Promise((r) => c.socket.once('close', r)))));
  return { ...totals, achievedRatePerS: Math.round(totals.sent / (totals.elapsedMs / 1000)) };
}

/** Resolves once the client is open, or once it is not going to be (refused, closed, no CONNACK in time: each counted as dropped). */
function connectClient(o: FloodOptions, n: number, totals: FloodTotals): Promise<FloodClient> {
  const device = `${o.devicePrefix}${String(n).padStart(4, '0')}`;
  const socket = connect({ host: o.host, port: o.port, noDelay: true });
  const client: FloodClient = { socket, device, topic: o.topic.replace('{device}', device), nextId: 1, unacked: 0, volume: 1_000, state: 'connecting' };
  const parser = mqttPacket.parser();
  return new Promise((resolve) => {
    /** The client leaves `connecting` or `open` for good: one count, whatever comes after (a close follows every refusal). */
    const drop = () => {
      if (client.state === 'done') return;
      const wasConnecting = client.state === 'connecting';
      client.state = 'done';
      totals.dropped++;
      socket.destroy();
      if (wasConnecting) settle();
    };
    const timer = setTimeout(drop, o.connackTimeoutMs ?? CONNACK_TIMEOUT_MS);
    const settle = () => {
      clearTimeout(timer);
      resolve(client);
    };
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack' && client.state === 'connecting') {
        if (packet.returnCode !== 0) return drop();
        client.state = 'open';
        totals.connected++;
        settle();
      } else if (packet.cmd === 'puback') {
        totals.acked++;
        client.unacked--;
      }
    });
    parser.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    socket.on('error', () => undefined);
    socket.on('close', drop);
    socket.on('connect', () =>
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          keepalive: 60,
          clientId: device,
          ...(o.username === undefined ? {} : { username: o.username }),
          ...(o.password === undefined ? {} : { password: Buffer.from(o.password) }),
        }),
      ),
    );
  });
}

function publish(o: FloodOptions, c: FloodClient): Buffer {
  c.volume += 0.1;
  const packet = {
    cmd: 'publish' as const,
    topic: c.topic,
    payload: `{"total_l":${c.volume.toFixed(1)},"flow_lpm":0.4,"battery":88}`,
    qos: o.qos,
    dup: false,
    retain: false,
    ...(o.qos === 1 ? { messageId: c.nextId } : {}),
  };
  if (o.qos === 1) c.nextId = c.nextId === 65_535 ? 1 : c.nextId + 1;
  return mqttPacket.generate(packet);
}
