import { matchesHash } from '../../../lib/tokens.js';
import type { MqttDevice } from './devices.js';
import { availabilityTopics } from './availability.js';

/** Who a connected client is. */
export type MqttIdentity =
  | { kind: 'device'; name: string; device: MqttDevice }
  | { kind: 'bridge'; name: string; filters: readonly string[]; maxIgnoredPayloadBytes: number | undefined }
  | { kind: 'anonymous'; name: 'anonymous' };

export interface MqttCredentials {
  /** Devices that log in as themselves: username (default: the device id) and password hash. */
  devices: ReadonlyArray<{ device: MqttDevice; username: string; passwordSha256: string }>;
  /** Clients that publish for many devices (Zigbee2MQTT, a Tasmota group), limited to topic filters. */
  bridges: ReadonlyArray<{ username: string; passwordSha256: string; topics: readonly string[]; maxIgnoredPayloadBytes?: number }>;
  /** Let clients without credentials publish to the configured device topics. */
  allowAnonymous: boolean;
}

/**
 * What to do with a publish: process it (a device's data, or a status: a device or its bridge
 * saying it is online or offline), acknowledge and ignore it (the device's other topics), or
 * refuse it.
 */
export type PublishVerdict = 'data' | 'status' | 'ignore' | 'forbidden';

/** MQTT topic-filter matching (+ one level, # the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * The broker's access rules. A device may publish only in its own namespace: topics whose
 * `{device}` level (as in its profile's topic) is its topic name, so Tasmota's stat/ and tele/
 * topics and Zigbee2MQTT's availability are its own, and another device's topic is not. `$SYS`,
 * wildcards and others' topics are refused.
 */
export class MqttAcl {
  readonly #byUsername = new Map<string, { passwordSha256: string; identity: MqttIdentity }>();
  /** Availability topics and the devices each speaks for (see availabilityTopics). */
  readonly #statusTopics: Map<string, string[]>;

  constructor(
    private readonly credentials: MqttCredentials,
    private readonly dataTopics: ReadonlyMap<string, MqttDevice>,
  ) {
    this.#statusTopics = availabilityTopics(dataTopics.values());
    for (const d of credentials.devices) {
      this.#byUsername.set(d.username, { passwordSha256: d.passwordSha256, identity: { kind: 'device', name: d.username, device: d.device } });
    }
    for (const b of credentials.bridges) {
      this.#byUsername.set(b.username, { passwordSha256: b.passwordSha256, identity: { kind: 'bridge', name: b.username, filters: b.topics, maxIgnoredPayloadBytes: b.maxIgnoredPayloadBytes } });
    }
  }

  /** The identity for CONNECT credentials, or why they are refused. */
  authenticate(username: string | undefined, password: Buffer | undefined): MqttIdentity | 'bad-credentials' | 'not-authorized' {
    if (username === undefined || username === '') return this.credentials.allowAnonymous ? { kind: 'anonymous', name: 'anonymous' } : 'not-authorized';
    const entry = this.#byUsername.get(username);
    if (!entry || !password || !matchesHash(password.toString('utf8'), entry.passwordSha256)) return 'bad-credentials';
    return entry.identity;
  }

  canPublish(identity: MqttIdentity, topic: string): PublishVerdict {
    if (topic.startsWith('$')) return 'forbidden';
    const device = this.dataTopics.get(topic);
    const status = this.#statusTopics.get(topic);
    switch (identity.kind) {
      case 'anonymous':
        return device ? 'data' : status ? 'status' : 'ignore';
      case 'bridge':
        if (!identity.filters.some((f) => topicMatches(f, topic))) return 'forbidden';
        return device ? 'data' : status ? 'status' : 'ignore';
      case 'device':
        if (device) return device === identity.device ? 'data' : 'forbidden';
        if (!inNamespace(identity.device, topic)) return 'forbidden';
        return status?.length === 1 && status[0] === identity.device.context.deviceId ? 'status' : 'ignore';
    }
  }

  canSubscribe(identity: MqttIdentity, filter: string): boolean {
    if (filter.startsWith('$') || filter === '#' || filter.startsWith('+/#')) return false;
    switch (identity.kind) {
      case 'anonymous':
        return false;
      case 'bridge':
        return identity.filters.some((f) => f === filter || (!/[+#]/.test(filter) && topicMatches(f, filter)) || isNarrower(filter, f));
      case 'device':
        return inNamespace(identity.device, filter) && !/[+#]/.test(namespaceHead(identity.device, filter));
    }
  }
}

/** The level of the profile's topic that holds the device's name. */
function deviceLevel(device: MqttDevice): number {
  return device.profile.topic.split('/').indexOf('{device}');
}

function inNamespace(device: MqttDevice, topic: string): boolean {
  const name = device.topic.split('/')[deviceLevel(device)];
  return topic.split('/')[deviceLevel(device)] === name;
}

/** The levels up to and including the device's name (no wildcard may stand there). */
function namespaceHead(device: MqttDevice, filter: string): string {
  return filter
    .split('/')
    .slice(0, deviceLevel(device) + 1)
    .join('/');
}

/** Whether every topic `narrow` matches is matched by `wide` (for subscriptions within a bridge's filters). */
function isNarrower(narrow: string, wide: string): boolean {
  const n = narrow.split('/');
  const w = wide.split('/');
  for (let i = 0; i < w.length; i++) {
    if (w[i] === '#') return true;
    if (i >= n.length) return false;
    if (w[i] === '+') {
      if (n[i] === '#') return false;
      continue;
    }
    if (n[i] !== w[i]) return false;
  }
  return n.length === w.length;
}
