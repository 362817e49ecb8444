import type { Metric } from '../../contract/metrics.js';
import { REGISTERS_OF, type ModbusPoint, type ModbusRead } from '../modbus-schema.js';
import type { ModbusProfile } from '../schema.js';

export type ModbusDecodeResult = { ok: true; metrics: Partial<Record<Metric, number>> } | { ok: false; reason: string };

/** The raw value of one point from its registers (unsigned 16-bit words, in wire order). */
export function decodeRegisters(point: ModbusPoint, words: readonly number[]): number {
  const n = REGISTERS_OF[point.dataType];
  const ordered = point.wordOrder === 'big' ? words.slice(0, n) : words.slice(0, n).reverse();
  const bytes = Buffer.alloc(2 * n);
  ordered.forEach((w, i) => {
    const [hi, lo] = [(w >> 8) & 0xff, w & 0xff];
    bytes[2 * i] = point.byteOrder === 'big' ? hi : lo;
    bytes[2 * i + 1] = point.byteOrder === 'big' ? lo : hi;
  });
  switch (point.dataType) {
    case 'int16':
      return bytes.readInt16BE(0);
    case 'uint16':
      return bytes.readUInt16BE(0);
    case 'int32':
      return bytes.readInt32BE(0);
    case 'uint32':
      return bytes.readUInt32BE(0);
    case 'float32':
      return bytes.readFloatBE(0);
    case 'float64':
      return bytes.readDoubleBE(0);
  }
}

/** The points of a poll decoded one by one: the values read, and why each other point has none. */
export interface ModbusPartialDecode {
  metrics: Partial<Record<Metric, number>>;
  unreadable: Partial<Record<Metric, string>>;
}

/**
 * Decodes each point of a profile from the replies of a poll, on its own: a point whose registers
 * no reply covers (the device refused that block), or whose value is not a number or out of
 * range, is listed with its reason, and the others keep their values. Never throws.
 */
export function decodeModbusPointsEach(profile: ModbusProfile, reads: readonly ModbusRead[]): ModbusPartialDecode {
  const metrics: Partial<Record<Metric, number>> = {};
  const unreadable: Partial<Record<Metric, string>> = {};
  for (const point of profile.points) {
    const n = REGISTERS_OF[point.dataType];
    const read = reads.find((r) => r.inputType === point.inputType && r.address <= point.address && point.address + n <= r.address + r.words.length);
    if (!read) {
      unreadable[point.metric] = `${point.metric}: no reply covers ${point.inputType} registers ${point.address}..${point.address + n - 1}`;
      continue;
    }
    const raw = decodeRegisters(point, read.words.slice(point.address - read.address));
    const value = raw * point.scale + point.offset;
    if (!Number.isFinite(value)) unreadable[point.metric] = `${point.metric}: registers at ${point.address} hold no number (${raw})`;
    else if (point.min !== undefined && value < point.min) unreadable[point.metric] = `${point.metric} = ${value} is below ${point.min}`;
    else if (point.max !== undefined && value > point.max) unreadable[point.metric] = `${point.metric} = ${value} is above ${point.max}`;
    else metrics[point.metric] = value;
  }
  return { metrics, unreadable };
}

/**
 * Decodes every point of a profile from the replies of a poll, all or nothing (a profile's
 * fixtures are whole polls). Never throws: a reply that is short, or a value that is not a number
 * or out of range, is a reason to count and log.
 */
export function decodeModbusPoints(profile: ModbusProfile, reads: readonly ModbusRead[]): ModbusDecodeResult {
  const { metrics, unreadable } = decodeModbusPointsEach(profile, reads);
  const first = Object.values(unreadable)[0];
  return first === undefined ? { ok: true, metrics } : { ok: false, reason: first };
}

export interface PlannedRead {
  inputType: 'holding' | 'input';
  address: number;
  count: number;
}

/**
 * Merges the points into as few reads as possible: on a half-duplex RS-485 bus every request
 * costs a round trip (~35-100 ms), so neighbouring registers are read together, across gaps of up
 * to `maxGap` unused registers and up to 125 registers a read (the protocol's limit).
 */
export function planModbusReads(points: readonly ModbusPoint[], maxGap = 16, maxCount = 125): PlannedRead[] {
  const plans: PlannedRead[] = [];
  for (const inputType of ['holding', 'input'] as const) {
    const spans = points
      .filter((p) => p.inputType === inputType)
      .map((p) => [p.address, p.address + REGISTERS_OF[p.dataType]] as const)
      .sort((a, b) => a[0] - b[0]);
    let current: PlannedRead | undefined;
    for (const [start, end] of spans) {
      if (current && start - (current.address + current.count) <= maxGap && end - current.address <= maxCount) {
        current.count = Math.max(current.count, end - current.address);
        continue;
      }
      current = { inputType, address: start, count: end - start };
      plans.push(current);
    }
  }
  return plans;
}
