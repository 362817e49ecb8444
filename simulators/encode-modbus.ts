import type { Metric } from '../firmware-profiles/metrics.js';
import { REGISTERS_OF, type ModbusPoint } from '../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../firmware-profiles/schema.js';

/** The registers (unsigned 16-bit words, wire order) a device holds for `value` at `point`: the decoder's inverse. */
export function encodeRegisters(point: ModbusPoint, value: number): number[] {
  const raw = (value - point.offset) / point.scale;
  const n = REGISTERS_OF[point.dataType];
  const bytes = Buffer.alloc(2 * n);
  switch (point.dataType) {
    case 'int16':
      bytes.writeInt16BE(Math.round(raw));
      break;
    case 'uint16':
      bytes.writeUInt16BE(Math.round(raw));
      break;
    case 'int32':
      bytes.writeInt32BE(Math.round(raw));
      break;
    case 'uint32':
      bytes.writeUInt32BE(Math.round(raw));
      break;
    case 'float32':
      bytes.writeFloatBE(raw);
      break;
    case 'float64':
      bytes.writeDoubleBE(raw);
      break;
  }
  const words: number[] = [];
  for (let i = 0; i < n; i++) {
    const [hi, lo] = [bytes[2 * i]!, bytes[2 * i + 1]!];
    words.push(point.byteOrder === 'big' ? (hi << 8) | lo : (lo << 8) | hi);
  }
  return point.wordOrder === 'big' ? words : words.reverse();
}

/** A device's register table for the given values: address -> word, per input type. */
export function registerTable(profile: ModbusProfile, metrics: Partial<Record<Metric, number>>): { holding: Map<number, number>; input: Map<number, number> } {
  const table = { holding: new Map<number, number>(), input: new Map<number, number>() };
  for (const point of profile.points) {
    const value = metrics[point.metric];
    if (value === undefined) continue;
    encodeRegisters(point, value).forEach((w, i) => table[point.inputType].set(point.address + i, w));
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
