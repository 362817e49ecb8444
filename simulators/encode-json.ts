import type { Metric } from '../firmware-profiles/metrics.js';
import type { Profile } from '../firmware-profiles/schema.js';

/**
 * The inverse of the gateway's decoder: builds the payload a device of this profile sends, so a
 * simulator is driven by the same profile the gateway decodes with.
 */
export function encodeJsonPayload(profile: Profile, metrics: Partial<Record<Metric, number>>): string {
  const body: Record<string, unknown> = {};
  for (const field of profile.fields) {
    const value = metrics[field.metric];
    if (value === undefined) continue;
    const raw = (value - field.offset) / field.scale;
    const keys = field.path.split('.');
    let node = body;
    for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = Math.round(raw * 1000) / 1000;
  }
  return JSON.stringify(body);
}
