import { isCounter, type DeviceEvent, type Metric } from '../../contract/metrics.js';
import type { MqttJsonProfile } from '../../firmware-profiles/schema.js';

/**
 * The inverse of the gateway's decoder: builds the payload a device of this profile sends, so a
 * simulator is driven by the same profile the gateway decodes with.
 */
export function encodeJsonPayload(profile: MqttJsonProfile, metrics: Partial<Record<Metric, number>>, events: readonly DeviceEvent[] = []): string {
  const body: Record<string, unknown> = {};
  const put = (path: string, value: unknown) => {
    const keys = path.split('.');
    let node = body;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = value;
  };
  for (const field of profile.fields) {
    const value = metrics[field.metric];
    if (value === undefined) continue;
    const raw = (value - field.offset) / field.scale;
    // A counter whose unit is a pulse (10 L per pulse) counts whole pulses, as Tasmota's C1 does.
    put(field.path, isCounter(field.metric) && field.scale > 1 ? Math.floor(raw) : Math.round(raw * 1000) / 1000);
  }
  for (const flag of profile.flags) {
    const value = metrics[flag.metric];
    if (value !== undefined) put(flag.path, (value !== 0) !== flag.invert);
  }
  for (const e of profile.events) if (events.includes(e.event)) put(e.path, e.equals);
  return JSON.stringify(body);
}
