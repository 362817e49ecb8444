import mqtt, { type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { MqttJsonProfile } from '../firmware-profiles/schema.js';
import { encodeJsonPayload } from './encode-json.js';
import type { WaterRoutine } from './water-routine.js';

export interface SimulatedWaterMeterOptions {
  deviceId: string;
  /** Name in the topic, when not the device id. */
  topicName?: string;
  profile: MqttJsonProfile;
  routine: WaterRoutine;
  /** mqtt://host:port of the gateway's broker. */
  brokerUrl: string;
  /** Reporting interval on the clock. */
  intervalMs: number;
  /** Counter reading at `installedAt`. */
  initialVolumeL: number;
  installedAt: number;
  clock: Clock;
  logger: Logger;
  /** MQTT credentials, when the broker asks for them. */
  username?: string;
  password?: string;
}

/**
 * A water flow monitor on the real protocol: an MQTT client that publishes the cumulative
 * volume of its household's routine at every interval, QoS 1, encoded by its firmware profile.
 */
export class SimulatedWaterMeter {
  readonly #o: SimulatedWaterMeterOptions;
  #client: MqttClient | null = null;
  #timer: TimerHandle | null = null;
  #lastAt: number;
  #nextAt: number;
  #volume: number;
  published = 0;

  constructor(options: SimulatedWaterMeterOptions) {
    this.#o = options;
    this.#lastAt = options.installedAt;
    this.#nextAt = options.installedAt;
    this.#volume = options.initialVolumeL;
  }

  get topic(): string {
    return this.#o.profile.topic.replace('{device}', this.#o.topicName ?? this.#o.deviceId);
  }

  async start(): Promise<void> {
    this.#client = await mqtt.connectAsync(this.#o.brokerUrl, {
      clientId: this.#o.deviceId,
      username: this.#o.username,
      password: this.#o.password,
      reconnectPeriod: 1_000,
      connectTimeout: 10_000,
    });
    this.#client.on('error', (err) => this.#o.logger.warn({ device: this.#o.deviceId, err: err.message }, 'simulated meter: mqtt error'));
    this.#schedule();
  }

  /** Publishes the current reading now; resolves at the broker's PUBACK. */
  async publishNow(): Promise<void> {
    const client = this.#client;
    if (!client) throw new Error(`simulated meter ${this.#o.deviceId} is not started`);
    const now = this.#o.clock.now();
    const used = this.#o.routine.usedBetween(this.#lastAt, now);
    this.#lastAt = now;
    this.#volume = Math.round((this.#volume + used) * 10) / 10;
    const flow = used > 0 ? Math.round((used / (this.#o.intervalMs / 60_000)) * 10) / 10 : 0;
    const payload = encodeJsonPayload(this.#o.profile, { volume_l: this.#volume, flow_lpm: flow, battery_pct: 90 });
    await client.publishAsync(this.topic, payload, { qos: 1 });
    this.published++;
  }

  async stop(): Promise<void> {
    if (this.#timer) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#client?.endAsync();
    this.#client = null;
  }

  /** Reports fall on installedAt + k x interval, whatever each publish took: no drift builds up. */
  #schedule(): void {
    const now = this.#o.clock.now();
    do this.#nextAt += this.#o.intervalMs;
    while (this.#nextAt <= now);
    this.#timer = this.#o.clock.setTimeout(async () => {
      this.#schedule();
      try {
        await this.publishNow();
      } catch (err) {
        this.#o.logger.warn({ device: this.#o.deviceId, err: (err as Error).message }, 'simulated meter: publish failed');
      }
    }, this.#nextAt - now);
  }
}
