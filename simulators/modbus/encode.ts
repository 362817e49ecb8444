import { isCounter, type Metric } from '../../contract/metrics.js';
import { REGISTERS_OF, type ModbusPoint } from '../../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';

/** The integer types' ranges, as their registers hold them. */
const INT_RANGE = {
  int16: [-(2 ** 15), 2 ** 15 - 1],
  uint16: [0, 2 ** 16 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
} as const;

export type EncodedRegisters = { ok: true; words: number[] } | { ok: false; reason: string };

/**
 * The registers (unsigned 16-bit words, wire order) a device holds for `value` at `point`: the
 * decoder's inverse. An integer counter rolls over as a device's register does (a uint32 energy
 * register reads 0 after 4294967295); any other integer the type cannot hold is refused with the
 * reason, for the device to answer with an exception.
 */
export function encodeRegisters(point: ModbusPoint, value: number): EncodedRegisters {
  const raw = (value - point.offset) / point.scale;
  const n = REGISTERS_OF[point.dataType];
  const bytes = Buffer.alloc(2 * n);
  if (point.dataType === 'float32') bytes.writeFloatBE(raw);
  else if (point.dataType === 'float64') bytes.writeDoubleBE(raw);
  else {
    const [min, max] = INT_RANGE[point.dataType];
    let int = Math.round(raw);
    if (!Number.isSafeInteger(int)) return { ok: false, reason: `${point.metric} = ${value} is no ${point.dataType}` };
    const span = max - min + 1;
    if (isCounter(point.metric)) int = ((((int - min) % span) + span) % span) + min;
    if (int < min || int > max) return { ok: false, reason: `${point.metric} = ${value} does not fit ${point.dataType} (raw ${int}, ${min}..${max})` };
    if (point.dataType === 'int16') bytes.writeInt16BE(int);
    else if (point.dataType === 'uint16') bytes.writeUInt16BE(int);
    else if (point.dataType === 'int32') bytes.writeInt32BE(int);
    else bytes.writeUInt32BE(int);
  }
  const words: number[] = [];
  for (let i = 0; i < n; i++) {
    const [hi, lo] = [bytes[2 * i]!, bytes[2 * i + 1]!];
    words.push(point.byteOrder === 'big' ? (hi << 8) | lo : (lo << 8) | hi);
  }
  return { ok: true, words: point.wordOrder === 'big' ? words : words.reverse() };
}

/** A register of the table that holds no value, because the value does not fit its point. */
export interface UnencodedPoint {
  point: ModbusPoint;
  reason: string;
}

/**
 * A device's register table for the given values: address -> word, per input type; and the
 * points whose values their registers cannot hold (a read of them is answered with an exception).
 */
export function registerTable(
  profile: ModbusProfile,
  metrics: Partial<Record<Metric, number>>,
): { holding: Map<number, number>; input: Map<number, number>; unencoded: UnencodedPoint[] } {
  const table = { holding: new Map<number, number>(), input: new Map<number, number>(), unencoded: [] as UnencodedPoint[] };
  for (const point of profile.points) {
    const value = metrics[point.metric];
    if (value === undefined) continue;
    const encoded = encodeRegisters(point, value);
    if (encoded.ok) encoded.words.forEach((w, i) => table[point.inputType].set(point.address + i, w));
    else table.unencoded.push({ point, reason: encoded.reason });
  }
  return table;
}

/** The addresses a device has, per input type: those its profile's points occupy, whether or not they hold a value now. */
export function registerAddresses(profile: ModbusProfile): { holding: Set<number>; input: Set<number> } {
  const addresses = { holding: new Set<number>(), input: new Set<number>() };
  for (const point of profile.points) {
    for (let i = 0; i < REGISTERS_OF[point.dataType]; i++) addresses[point.inputType].add(point.address + i);
  }
  return addresses;
}
