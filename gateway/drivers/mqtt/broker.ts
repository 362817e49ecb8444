import { createServer, type Server, type Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import { Aedes, type Client } from 'aedes';
import type { Logger } from '../../../lib/log.js';
import type { MqttAcl, MqttIdentity } from './acl.js';
import { systemClock, type Clock } from '../../../lib/time/clock.js';
import { listen } from '../../../lib/net/listen.js';
import { IngressValve } from './ingress-valve.js';
import { watchFrames, type FrameScanner } from './frame-guard.js';
import { ClientIdBindings } from './client-ids.js';
import { RetainedLedger, type RetainedLimits } from './retained.js';

/**
 * What the broker turned away, let pass without reading, or held back, each counted: a client
 * `throttled` was left unread until its rate allowed, one `deferred` waited for the next turn of
 * the event loop behind other busy clients.
 */
export type BrokerVerdict = ConnectRefusal | 'retain-cleared' | 'retain-dropped' | 'forbidden' | 'ignored' | 'subscribe-refused' | 'throttled' | 'deferred' | 'oversize';

/** Why a CONNECT was refused: wrong username or password, none given, another identity's client id, a protocol we do not speak (MQTT 5). */
export type ConnectRefusal = 'refused-bad-credentials' | 'refused-no-credentials' | 'refused-client-id' | 'refused-protocol';

/** Room for a PUBLISH's topic (up to 65,535 bytes), packet id and lengths, over the payload limit. */
const PUBLISH_OVERHEAD_BYTES = 65_535 + 2 + 2;

export interface MqttBrokerOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /**
   * Payloads larger than this are refused and their client disconnected; a packet announcing
   * more than this (plus room for its topic) is cut off before its body is buffered. A bridge
   * (see MqttCredentials) may publish larger payloads, up to its own maxIgnoredPayloadBytes, to
   * its topics that are not device data: after its login, its packets are cut off at that size.
   */
  maxPayloadBytes: number;
  logger: Logger;
  /**
   * Consumes a device's frame inside the broker process, before the PUBACK of a QoS 1 publish
   * is written (aedes writes it right after authorizePublish). It must be synchronous and throw
   * only when the frame could not be stored: then no PUBACK goes out, the client is disconnected
   * and the device publishes again after reconnecting. It also gets the status messages the ACL
   * names (a device or its bridge saying it is online or offline, often as its MQTT will).
   */
  onFrame: (topic: string, payload: Buffer, clientId: string, messageId?: number) => Promise<void> | undefined;
  /** Who may connect, publish and subscribe. */
  acl: MqttAcl;
  /** Per-client ingress limit: PUBLISH packets a second and burst; over it the client is not read until its rate allows. */
  ratePerClient: number;
  ratePerClientBurst: number;
  /** Topics whose frames never count against a client's rate (devices that can report an SOS or a fall). */
  isUrgent: (topic: string) => boolean;
  /** PUBLISH packets read from busy clients per event-loop turn (see IngressValve). @default 500 */
  busyFramesPerTurn?: number;
  /** Time for the ingress limits: the wall's; tests drive a virtual one. @default systemClock */
  ingressTimer?: Pick<Clock, 'monotonic' | 'setTimeout' | 'clearTimeout'>;
  /**
   * Retained messages kept, per client identity and in total (count and bytes); over a cap a
   * retained publish is taken as a plain one (its retain flag dropped), counted and logged.
   * @default DEFAULT_RETAINED_LIMITS
   */
  retainedLimits?: RetainedLimits;
  /** Counts what the access rules turned away (logins, publishes, subscriptions) and what they ignored. */
  onVerdict?: (verdict: BrokerVerdict) => void;
}

export interface MqttBrokerHandle {
  port: number;
  broker: Aedes;
  close(): Promise<void>;
}

export async function startMqttBroker(opts: MqttBrokerOptions): Promise<MqttBrokerHandle> {
  const { logger } = opts;
  const identities = new WeakMap<Client, MqttIdentity>();
  const verdict = opts.onVerdict ?? (() => undefined);
  const clientIds = new ClientIdBindings();
  const retained = new RetainedLedger(opts.retainedLimits);
  const retainDrops = new Map<string, number>();
  // Refused connections are routine (a device with an old password, an MQTT 5 client): info, counted per reason.
  const refused = (why: ConnectRefusal, context: Record<string, unknown>, reason: string) => {
    verdict(why);
    logger.info({ ...context, refused: why }, `mqtt connection refused: ${reason}`);
  };
  const maxPacketBytes = opts.maxPayloadBytes + PUBLISH_OVERHEAD_BYTES;
  const frameGuards = new WeakMap<object, FrameScanner>();
  /** The largest payload a client may publish to a topic of the given verdict. */
  const payloadLimit = (identity: MqttIdentity | null | undefined, allowed: 'data' | 'status' | 'ignore') =>
    allowed === 'ignore' && identity?.kind === 'bridge' ? Math.max(opts.maxPayloadBytes, identity.maxIgnoredPayloadBytes ?? 0) : opts.maxPayloadBytes;
  const valve = new IngressValve({
    ratePerClient: opts.ratePerClient,
    burst: opts.ratePerClientBurst,
    busyFramesPerTurn: opts.busyFramesPerTurn ?? 500,
    timer: opts.ingressTimer ?? systemClock,
    onHold: (why) => verdict(why === 'rate' ? 'throttled' : 'deferred'),
  });
  const broker = await Aedes.createBroker({
    // A subscriber that stops reading is dropped after 10 s instead of stalling everyone.
    drainTimeout: 10_000,
    authenticate(client, username, password, callback) {
      const identity = opts.acl.authenticate(username, password);
      if (typeof identity === 'string') {
        const bad = identity === 'bad-credentials';
        refused(bad ? 'refused-bad-credentials' : 'refused-no-credentials', { client: client.id, username }, bad ? 'wrong username or password' : 'credentials required');
        callback(Object.assign(new Error(identity), { returnCode: bad ? 4 : 5 }), false);
        return;
      }
      const owner = `${identity.kind}:${identity.name}`;
      if (!clientIds.claim(client.id, owner, client, !client.clean)) {
        refused('refused-client-id', { client: client.id, username, owner: clientIds.ownerOf(client.id) }, 'the client id belongs to another identity');
        callback(Object.assign(new Error('client id in use by another identity'), { returnCode: 2 }), false);
        return;
      }
      client.conn.once('close', () => clientIds.release(client.id, client));
      identities.set(client, identity);
      const guard = frameGuards.get(client.conn);
      if (guard) guard.maxPacketBytes = payloadLimit(identity, 'ignore') + PUBLISH_OVERHEAD_BYTES;
      callback(null, true);
    },
    authorizeSubscribe(client, subscription, callback) {
      const identity = client && identities.get(client);
      if (!identity || !opts.acl.canSubscribe(identity, subscription.topic)) {
        verdict('subscribe-refused');
        logger.debug({ client: client?.id, topic: subscription.topic }, 'mqtt subscription refused');
        callback(null, null); // a refused subscription (SUBACK 0x80), not a disconnect
        return;
      }
      callback(null, subscription);
    },
    authorizePublish(client, packet, callback) {
      const identity = client && identities.get(client);
      const allowed = identity ? opts.acl.canPublish(identity, packet.topic) : 'forbidden';
      if (allowed === 'forbidden') {
        verdict('forbidden');
        logger.warn({ client: client?.id, identity: identity?.name, topic: packet.topic }, 'mqtt publish outside the client\'s topics; client disconnected');
        callback(new Error(`publishing to ${packet.topic} is not allowed for this client`));
        return;
      }
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const limit = payloadLimit(identity, allowed);
      if (payload.length > limit) {
        verdict('oversize');
        logger.warn({ client: client?.id, topic: packet.topic, bytes: payload.length, limit }, 'payload over the size limit; client disconnected');
        callback(new Error(`payload of ${payload.length} bytes is over the limit of ${limit}`));
        return;
      }
      if (packet.retain && payload.length > 0) {
        const owner = identity ? `${identity.kind}:${identity.name}` : 'unknown';
        if (!retained.admit(packet.topic, owner, payload.length)) {
          packet.retain = false;
          verdict('retain-dropped');
          // The 1st, 10th, 100th... of a client: a hostile one does not flood the log either.
          const drops = (retainDrops.get(owner) ?? 0) + 1;
          retainDrops.set(owner, drops);
          if (Number.isInteger(Math.log10(drops))) {
            logger.warn({ client: client?.id, identity: owner, topic: packet.topic, bytes: payload.length, held: retained.usage(owner), drops }, 'retained messages over the cap: taken as a plain publish, not retained');
          }
        }
      } else if (packet.retain) retained.clear(packet.topic);
      if (allowed === 'ignore') {
        verdict('ignored');
        callback(null);
        return;
      }
      // An empty retained publish clears the topic's retained message (mosquitto_pub -r -n): not a frame.
      if (packet.retain && payload.length === 0) {
        verdict('retain-cleared');
        logger.info({ client: client?.id, topic: packet.topic }, 'retained message cleared');
        callback(null);
        return;
      }
      const refuse = (err: unknown) => {
        logger.error({ err, topic: packet.topic }, 'frame could not be stored; withholding PUBACK so the device sends it again');
        callback(err as Error);
      };
      let durable: Promise<void> | undefined;
      try {
        durable = opts.onFrame(packet.topic, payload, client?.id ?? '', packet.qos > 0 ? packet.messageId : undefined);
      } catch (err) {
        refuse(err);
        return;
      }
      // The reading is committed with others a few ms later (group commit): PUBACK after that.
      if (durable) durable.then(() => callback(null), refuse);
      else callback(null);
    },
  });
  // aedes emits 'error' on the broker itself (e.g. from its will cleanup); unheard, it would kill the process.
  // (Its typings list only client events, hence the plain EventEmitter view.)
  (broker as unknown as EventEmitter).on('error', (err: Error) => logger.error({ err }, 'mqtt broker error'));
  // aedes answers a CONNECT of a protocol it does not speak (MQTT 5) with return code 1, then reports it here.
  const unsupported = (client: Client, err: Error & { errorCode?: number }) =>
    err.errorCode === 1 && refused('refused-protocol', { client: client.id, remote: (client.conn as Partial<Socket> | undefined)?.remoteAddress }, 'MQTT protocol version not supported (3.1 and 3.1.1 are)');
  broker.on('clientError', (client, err) => {
    unsupported(client, err);
    logger.debug({ client: client.id, err: err.message }, 'mqtt client error');
  });
  broker.on('connectionError', (client, err) => {
    unsupported(client, err);
    logger.debug({ client: client.id, err: err.message }, 'mqtt connection error');
  });

  // Nagle's algorithm costs 2.5x the CPU per message on small frames (shared/STACK-NOTES.md).
  const server: Server = createServer({ noDelay: true }, (socket) => {
    broker.handle(socket);
    const charge = valve.attach(socket);
    const guard = watchFrames(socket, maxPacketBytes, opts.isUrgent, {
      oversize(announced) {
        verdict('oversize');
        logger.warn({ remote: socket.remoteAddress, bytes: announced, limit: guard.maxPacketBytes }, 'mqtt packet over the size limit announced; connection closed before buffering it');
        socket.destroy();
      },
      publishes: charge,
    });
    frameGuards.set(socket, guard);
  });
  let port: number;
  try {
    port = await listen(server, { host: opts.host, port: opts.port, configKey: 'mqtt.port', usualSuspect: 'another MQTT broker such as Mosquitto?' });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  logger.info({ host: opts.host, port }, 'mqtt broker listening');

  return {
    port,
    broker,
    async close() {
      // The broker first: it disconnects the clients, without which server.close() waits forever.
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await serverClosed;
    },
  };
}
