import { decodeBcd, diBytes, parseFrame, READ_ERROR, READ_REPLY } from './dlt645-frame.js';
import type { Dlt645Point } from '../dlt645-schema.js';
import type { Metric } from '../../contract/metrics.js';

export type Dlt645DecodeResult = { ok: true; value: number } | { ok: false; reason: string };

/**
 * The value of one point from the meter's reply frame. Never throws: a reply from another meter,
 * for another identifier, an error reply or a value that is not BCD is a reason to count.
 */
export function decodeDlt645Reply(point: Dlt645Point, address: string, reply: Buffer): Dlt645DecodeResult {
  const parsed = parseFrame(reply);
  if (parsed.ok === 'incomplete') return { ok: false, reason: `${point.metric}: reply cut short` };
  if (!parsed.ok) return { ok: false, reason: `${point.metric}: ${parsed.reason}` };
  const { frame } = parsed;
  if (frame.address !== address.toLowerCase()) return { ok: false, reason: `${point.metric}: reply from meter ${frame.address}, not ${address}` };
  if (frame.control === READ_ERROR) return { ok: false, reason: `${point.metric}: the meter answered error ${frame.data[0]?.toString(16) ?? '?'}` };
  if (frame.control !== READ_REPLY) return { ok: false, reason: `${point.metric}: unexpected control ${frame.control.toString(16)}` };
  const di = diBytes(point.di);
  if (frame.data.length !== 4 + point.bytes || di.some((b, i) => frame.data[i] !== b)) {
    return { ok: false, reason: `${point.metric}: reply is not DI ${point.di} with ${point.bytes} bytes` };
  }
  const value = decodeBcd(frame.data.subarray(4), point.decimals);
  if (Number.isNaN(value)) return { ok: false, reason: `${point.metric}: value is not BCD` };
  if (point.min !== undefined && value < point.min) return { ok: false, reason: `${point.metric} = ${value} is below ${point.min}` };
  if (point.max !== undefined && value > point.max) return { ok: false, reason: `${point.metric} = ${value} is above ${point.max}` };
  return { ok: true, value };
}

/** All points of a poll (replies in point order). */
export function decodeDlt645Replies(points: readonly Dlt645Point[], address: string, replies: readonly Buffer[]): { ok: true; metrics: Partial<Record<Metric, number>> } | { ok: false; reason: string } {
  const metrics: Partial<Record<Metric, number>> = {};
  for (const [i, point] of points.entries()) {
    const reply = replies[i];
    if (!reply) return { ok: false, reason: `${point.metric}: no reply` };
    const r = decodeDlt645Reply(point, address, reply);
    if (!r.ok) return r;
    metrics[point.metric] = r.value;
  }
  return { ok: true, metrics };
}
