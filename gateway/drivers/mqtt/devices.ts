import { InputError } from '../../../lib/validation.js';
import type { ProfileRegistry } from '../../../firmware-profiles/index.js';
import type { MqttJsonProfile } from '../../../firmware-profiles/schema.js';
import type { DeviceConfig } from './config.js';
import type { DeviceContext } from '../../../contract/device-context.js';

export interface MqttDevice {
  context: DeviceContext;
  profile: MqttJsonProfile;
  topic: string;
}

/**
 * Maps each topic to the one device that publishes on it (O(1) per frame). Built once from the
 * config; a device whose profile is unknown or whose topic collides is a config error.
 */
export function mqttDevicesByTopic(devices: readonly DeviceConfig[], profiles: ProfileRegistry): Map<string, MqttDevice> {
  const byTopic = new Map<string, MqttDevice>();
  devices.forEach((d, i) => {
    const profile = profiles.get(d.profile);
    if (!profile) {
      throw new InputError(`devices[${i}].profile: unknown profile "${d.profile}"; known: ${[...profiles.keys()].join(', ')}`);
    }
    if (profile.transport !== 'mqtt-json') {
      throw new InputError(`devices[${i}].profile: ${d.profile} is a ${profile.transport} device; the gateway reads MQTT devices only so far`);
    }
    const topic = profile.topic.replace('{device}', d.topicName ?? d.id);
    const other = byTopic.get(topic);
    if (other) throw new InputError(`devices[${i}]: topic ${topic} is already used by device ${other.context.deviceId}`);
    byTopic.set(topic, {
      context: { deviceId: d.id, householdId: d.householdId, heartbeatMs: profile.heartbeat, ...(profile.homeRangeOnly ? { homeRangeOnly: true } : {}) },
      profile,
      topic,
    });
  });
  return byTopic;
}
