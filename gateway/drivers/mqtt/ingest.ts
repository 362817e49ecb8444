import type { Clock } from '../../../lib/time/clock.js';
import type { Logger } from '../../../lib/log.js';
import { decodeJsonPayload } from '../../../firmware-profiles/codecs/json.js';
import type { DeviceActivity } from '../device-activity.js';
import type { ReadingSink } from '../../../contract/reading-sink.js';
import type { BrokerVerdict } from './broker.js';
import type { MqttDevice } from './devices.js';
import { availabilityTopics, parseAvailability } from './availability.js';
import type { ResentFrames } from './resends.js';

export interface MqttIngestCounters {
  frames: number;
  readings: number;
  unknownTopic: number;
  malformed: number;
  /** Turned away by the access rules: logins, publishes outside a client's topics, subscriptions. */
  loginRefused: number;
  /** The refused connections (loginRefused) by reason: wrong username or password, none, another identity's client id, MQTT 5. */
  refusedBadCredentials: number;
  refusedNoCredentials: number;
  refusedClientId: number;
  refusedProtocol: number;
  forbidden: number;
  subscribeRefused: number;
  /** Publishes in a device's own namespace that are not its data topic (Tasmota's STATE, LWT...). */
  ignored: number;
  /** Times a client sending over its rate was left unread until its average allowed (nothing is dropped). */
  throttled: number;
  /** Times a busy client waited a turn of the event loop so that others (new connections, SOS buttons) went first. */
  deferred: number;
  /** Packets over the size limit (their connection is closed). */
  oversize: number;
  /** Empty retained publishes on data topics: a retained message cleared, not a frame. */
  retainCleared: number;
  /** Retained publishes over the caps on retained messages (per client, in total): taken as plain publishes. */
  retainDropped: number;
  /** Devices said offline or online by themselves or their bridge (a will, Zigbee2MQTT's availability). */
  availability: number;
  /** QoS 1 frames with an event received again after the gateway restarted (one press, not two). */
  resent: number;
}

/**
 * Turns an MQTT frame into a reading and hands it to the rules. A frame that is not from a known
 * device or does not decode is logged with its reason and counted; device input never throws.
 */
export class MqttIngest {
  readonly counters: MqttIngestCounters = {
    frames: 0,
    readings: 0,
    unknownTopic: 0,
    malformed: 0,
    loginRefused: 0,
    refusedBadCredentials: 0,
    refusedNoCredentials: 0,
    refusedClientId: 0,
    refusedProtocol: 0,
    forbidden: 0,
    subscribeRefused: 0,
    ignored: 0,
    throttled: 0,
    deferred: 0,
    oversize: 0,
    retainCleared: 0,
    retainDropped: 0,
    availability: 0,
    resent: 0,
  };
  readonly #availability: Map<string, string[]>;

  /** Counts a verdict of the broker's access rules. */
  count(verdict: BrokerVerdict): void {
    const key = ({
      'refused-bad-credentials': 'refusedBadCredentials',
      'refused-no-credentials': 'refusedNoCredentials',
      'refused-client-id': 'refusedClientId',
      'refused-protocol': 'refusedProtocol',
      forbidden: 'forbidden', ignored: 'ignored', 'subscribe-refused': 'subscribeRefused', throttled: 'throttled', deferred: 'deferred', oversize: 'oversize', 'retain-cleared': 'retainCleared',
      'retain-dropped': 'retainDropped',
    } as const)[verdict];
    this.counters[key]++;
    if (verdict.startsWith('refused-')) this.counters.loginRefused++;
  }

  constructor(
    private readonly devices: ReadonlyMap<string, MqttDevice>,
    private readonly sink: ReadingSink,
    private readonly activity: DeviceActivity,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Recognises a QoS 1 event frame sent again after a crash. @default none: every frame is new */
    private readonly resends?: ResentFrames,
  ) {
    this.#availability = availabilityTopics(devices.values());
  }

  /** An availability report (a will, Zigbee2MQTT's availability) marks its devices online or offline at once. */
  #status(topic: string, deviceIds: readonly string[], payload: Buffer, clientId: string): void {
    const state = parseAvailability(payload);
    if (!state) {
      this.logger.debug({ topic, client: clientId }, 'availability message that says neither online nor offline; ignored');
      return;
    }
    this.counters.availability++;
    for (const deviceId of deviceIds) this.activity.reported(deviceId, state);
    this.logger.info({ topic, client: clientId, devices: deviceIds, state }, `device${deviceIds.length > 1 ? 's' : ''} reported ${state}`);
  }

  /**
   * Reads a frame; returns, for a reading, when it is durable (acknowledge the device then).
   * `messageId` is the packet id of a QoS 1 publish (absent for QoS 0).
   */
  handle(topic: string, payload: Buffer, clientId: string, messageId?: number): Promise<void> | undefined {
    const device = this.devices.get(topic);
    const status = device ? undefined : this.#availability.get(topic);
    if (status) {
      this.#status(topic, status, payload, clientId);
      return undefined;
    }
    this.counters.frames++;
    if (!device) {
      this.counters.unknownTopic++;
      this.logger.debug({ topic, client: clientId }, 'frame on a topic of no configured device; ignored');
      return undefined;
    }
    const decoded = decodeJsonPayload(device.profile, payload);
    if (!decoded.ok) {
      this.counters.malformed++;
      this.activity.malformed(device.context.deviceId, decoded.reason);
      this.logger.warn(
        { device: device.context.deviceId, profile: device.profile.id, topic, reason: decoded.reason },
        'malformed frame rejected',
      );
      return undefined;
    }
    this.counters.readings++;
    this.activity.seen(device.context.deviceId);
    const now = this.clock.now();
    if (decoded.events.length > 0 && messageId !== undefined && this.resends) {
      const firstAt = this.resends.receive({ clientId, messageId, topic, payload }, now);
      if (firstAt !== undefined) {
        // The same press, sent again because its PUBACK never went out: its events at their first
        // receipt time (the event rule raised, or raises now, once for that time); its values are
        // not news.
        this.counters.resent++;
        this.logger.info({ device: device.context.deviceId, client: clientId, messageId, firstReceivedAt: new Date(firstAt).toISOString() }, 'QoS 1 frame with an event received again: the same press');
        this.sink.process({ deviceId: device.context.deviceId, at: firstAt, metrics: {}, events: decoded.events }, device.context);
        return this.sink.durable?.();
      }
    }
    const reading = { deviceId: device.context.deviceId, at: now, metrics: decoded.metrics };
    this.sink.process(decoded.events.length > 0 ? { ...reading, events: decoded.events } : reading, device.context);
    return this.sink.durable?.();
  }
}
