import type { DeviceEvent, Metric } from '../../contract/metrics.js';
import type { MqttJsonProfile } from '../schema.js';

export type DecodeResult =
  | { ok: true; metrics: Partial<Record<Metric, number>>; events: DeviceEvent[] }
  | { ok: false; reason: string };

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * Decodes one MQTT JSON payload with a profile. Never throws: a device's bad frame is the
 * device's fault, so it comes back as a reason to log and count, never as an exception.
 */
export function decodeJsonPayload(profile: MqttJsonProfile, payload: Uint8Array): DecodeResult {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'payload is not a JSON object' };
  }
  const metrics: Partial<Record<Metric, number>> = {};
  for (const field of profile.fields) {
    const raw = valueAt(body, field.path);
    if (raw === undefined || raw === null) {
      if (field.optional) continue;
      return { ok: false, reason: `${field.path} is missing` };
    }
    if (typeof raw !== 'number' || !Number.isFinite(raw)) {
      return { ok: false, reason: `${field.path} is ${JSON.stringify(raw)}, expected a number` };
    }
    const value = raw * field.scale + field.offset;
    if (!Number.isFinite(value)) return { ok: false, reason: `${field.path} = ${raw} is out of range once scaled` };
    if (field.min !== undefined && value < field.min) {
      return { ok: false, reason: `${field.path} = ${value} is below ${field.min}` };
    }
    if (field.max !== undefined && value > field.max) {
      return { ok: false, reason: `${field.path} = ${value} is above ${field.max}` };
    }
    metrics[field.metric] = value;
  }
  for (const flag of profile.flags) {
    const raw = valueAt(body, flag.path);
    if (raw === undefined || raw === null) {
      if (flag.optional) continue;
      return { ok: false, reason: `${flag.path} is missing` };
    }
    if (typeof raw !== 'boolean') return { ok: false, reason: `${flag.path} is ${JSON.stringify(raw)}, expected true or false` };
    metrics[flag.metric] = raw !== flag.invert ? 1 : 0;
  }
  const events: DeviceEvent[] = [];
  for (const e of profile.events) {
    if (valueAt(body, e.path) === e.equals && !events.includes(e.event)) events.push(e.event);
  }
  return { ok: true, metrics, events };
}
