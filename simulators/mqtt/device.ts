import mqtt, { type MqttClient } from 'mqtt';
import { z } from 'zod';
import type { Clock, TimerHandle } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';
import type { DeviceEvent } from '../../contract/metrics.js';
import type { MqttJsonProfile } from '../../firmware-profiles/schema.js';
import type { DeviceModel } from '../fleet/device-model.js';
import { encodeJsonPayload } from './encode-json.js';
import { seededRandom } from '../../lib/seeded-random.js';

/**
 * What an MQTT device can do wrong: `silent` publishes nothing (a dead battery, out of range);
 * `garbage` publishes payloads that are not its format (a firmware bug, a wrong profile).
 */
export const mqttFaultSchema = z.enum(['none', 'silent', 'garbage']);
export type MqttFault = z.infer<typeof mqttFaultSchema>;

export interface SimulatedMqttDeviceOptions {
  deviceId: string;
  /** Name in the topic, when not the device id (a Tasmota topic, a Zigbee2MQTT friendly name). */
  topicName?: string;
  profile: MqttJsonProfile;
  model: DeviceModel;
  /** A connected client to publish on: the device's own, or a bridge's shared by many devices. */
  client: MqttClient;
  clock: Clock;
  /** Reports after this moment are made (one due while connecting is sent late, not skipped). @default clock.now() */
  from?: number;
  logger: Logger;
  seed?: number;
}

/**
 * A device on MQTT, on the real protocol: at every report its model schedules (its interval, a
 * door that moves, a key pressed) it publishes the model's values encoded by its firmware
 * profile, QoS 1, on the profile's topic.
 */
export class SimulatedMqttDevice {
  readonly #o: SimulatedMqttDeviceOptions;
  readonly #random: () => number;
  #timer: TimerHandle | null = null;
  #lastAt: number;
  #fault: MqttFault = 'none';
  published = 0;
  failed = 0;

  constructor(options: SimulatedMqttDeviceOptions) {
    this.#o = options;
    this.#lastAt = options.from ?? options.clock.now();
    this.#random = seededRandom(options.seed ?? 1);
  }

  get id(): string {
    return this.#o.deviceId;
  }

  get topic(): string {
    return this.#o.profile.topic.replace('{device}', this.#o.topicName ?? this.#o.deviceId);
  }

  /** Sets a fault now, until set back to 'none' (the simulation applies a config's fault windows through it). */
  setFault(fault: MqttFault): void {
    this.#fault = fault;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Publishes what the model shows now, with the given events; resolves at the PUBACK. */
  async publishNow(events: readonly DeviceEvent[] = []): Promise<void> {
    const now = this.#o.clock.now();
    const fault = this.#fault;
    const values = this.#o.model.valuesAt(now);
    if (fault === 'silent') return;
    const payload = fault === 'garbage' ? this.#garbage() : encodeJsonPayload(this.#o.profile, values, events);
    await this.#o.client.publishAsync(this.topic, payload, { qos: 1 });
    this.published++;
  }

  /** Not the profile's format: truncated JSON, a wrong type, or binary noise. */
  #garbage(): Buffer | string {
    const pick = Math.floor(this.#random() * 3);
    if (pick === 0) return '{"total_l":12';
    if (pick === 1) return JSON.stringify(Object.fromEntries(this.#o.profile.fields.map((f) => [f.path.split('.')[0], 'n/a'])));
    return Buffer.from(Array.from({ length: 16 }, () => Math.floor(this.#random() * 256)));
  }

  #schedule(): void {
    const next = this.#o.model.nextReportAfter(this.#lastAt);
    if (!next) return;
    const now = this.#o.clock.now();
    this.#timer = this.#o.clock.setTimeout(async () => {
      this.#lastAt = next.at;
      this.#schedule();
      try {
        await this.publishNow(next.events);
      } catch (err) {
        this.failed++;
        this.#o.logger.warn({ device: this.#o.deviceId, err: (err as Error).message }, 'simulated device: publish failed');
      }
    }, Math.max(0, next.at - now));
  }
}

/** Connects one MQTT client (a device's own, or a bridge's); rejects with what to check. */
export async function connectSimulatedClient(url: string, clientId: string, credentials: { username?: string; password?: string }, logger: Logger): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId,
    ...credentials,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
  });
  client.on('error', (err) => logger.warn({ client: clientId, err: err.message }, 'simulated device: mqtt error'));
  return client;
}
