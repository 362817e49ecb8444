import { z } from 'zod';
import type { MqttDevice } from './devices.js';

export type Availability = 'online' | 'offline';

/** Tasmota's LWT `Online`/`Offline`, Zigbee2MQTT's `{"state":"online"}` or (older) plain `online`. */
const stateSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['online', 'offline']));
const jsonSchema = z.object({ state: stateSchema });

/** What an availability payload says, or undefined when it says neither. */
export function parseAvailability(payload: Buffer): Availability | undefined {
  if (payload.length > 1_024) return undefined;
  const text = payload.toString('utf8');
  const plain = stateSchema.safeParse(text);
  if (plain.success) return plain.data;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = jsonSchema.safeParse(json);
  return parsed.success ? parsed.data.state : undefined;
}

/**
 * Maps each availability topic to the devices it speaks for, from their profiles: a device's
 * own (`tele/<topic>/LWT`, `zigbee2mqtt/<name>/availability`) and its bridge's
 * (`zigbee2mqtt/bridge/state`, for every device behind that bridge).
 */
export function availabilityTopics(devices: Iterable<MqttDevice>): Map<string, string[]> {
  const byTopic = new Map<string, string[]>();
  const add = (topic: string, deviceId: string) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), deviceId]);
  for (const d of devices) {
    const availability = d.profile.availability;
    if (!availability) continue;
    const level = d.profile.topic.split('/').indexOf('{device}');
    const name = d.topic.split('/')[level]!;
    add(availability.topic.replace('{device}', name), d.context.deviceId);
    if (availability.bridgeTopic) add(availability.bridgeTopic, d.context.deviceId);
  }
  return byTopic;
}
