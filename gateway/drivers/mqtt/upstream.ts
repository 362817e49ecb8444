import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../../../lib/log.js';

export interface UpstreamOptions {
  /** The existing broker, e.g. mqtt://127.0.0.1:1883 (a Zigbee2MQTT installation's Mosquitto). */
  url: string;
  /** Stable, so the broker keeps the gateway's session and queues QoS 1 messages while it is away. */
  clientId: string;
  username?: string;
  password?: string;
  topics: readonly string[];
  /** As for the embedded broker: synchronous, throws only when the frame could not be stored. */
  /** Reads a frame; a promise says when it is durable (the PUBACK waits for it). */
  onFrame: (topic: string, payload: Buffer, messageId?: number) => Promise<void> | undefined;
  logger: Logger;
}

export interface Upstream {
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Client mode: the gateway subscribes to the device topics on a broker it does not run. A QoS 1
 * message is acknowledged to that broker only after its frame was stored (mqtt.js sends the
 * PUBACK when handleMessage calls back), and the session is persistent, so frames published
 * while the gateway is down wait for it on the broker. A broker that is down at start is
 * retried; the gateway runs meanwhile.
 */
export function connectUpstream(o: UpstreamOptions): Upstream {
  const client: MqttClient = mqtt.connect(o.url, {
    clientId: o.clientId,
    clean: false,
    username: o.username,
    password: o.password,
    reconnectPeriod: 2_000,
    connectTimeout: 10_000,
  });
  client.handleMessage = (packet, done) => {
    const refuse = (err: unknown) => {
      o.logger.error({ err, topic: packet.topic }, 'frame from the upstream broker could not be stored; not acknowledged, it will come again');
      done(err as Error);
    };
    try {
      const durable = o.onFrame(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), packet.qos > 0 ? packet.messageId : undefined);
      if (durable) durable.then(() => done(), refuse);
      else done();
    } catch (err) {
      refuse(err);
    }
  };
  client.on('connect', () => {
    o.logger.info({ url: o.url, topics: o.topics.length }, 'connected to the upstream broker');
    if (o.topics.length === 0) return;
    client.subscribe([...o.topics], { qos: 1 }, (err) => {
      if (err) o.logger.error({ err: err.message }, 'cannot subscribe on the upstream broker; check its ACL for this client');
    });
  });
  client.on('error', (err) => o.logger.warn({ url: o.url, err: err.message }, 'upstream broker error'));
  client.on('offline', () => o.logger.warn({ url: o.url }, 'upstream broker unreachable; retrying'));
  return {
    connected: () => client.connected,
    close: () => client.endAsync(),
  };
}
