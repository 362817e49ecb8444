/**
 * DL/T 645-2007 framing, the protocol of Chinese residential electricity meters:
 *   [FE FE FE FE] 68 A0..A5 68 C L D0..D(L-1) CS 16
 * A0..A5 is the meter address, 12 BCD digits, low byte first; every data byte is sent +0x33;
 * CS is the sum of all bytes from the first 68 to the last data byte, modulo 256. Reading a value
 * is control 0x11 with the 4-byte data identifier (DI, low byte first); the meter answers 0x91
 * (DI + value) or 0xD1 (one error byte).
 */

export const READ_DATA = 0x11;
export const READ_REPLY = 0x91;
export const READ_ERROR = 0xd1;
const PREAMBLE = [0xfe, 0xfe, 0xfe, 0xfe];

export interface Dlt645Frame {
  /** 12 decimal digits, as printed on the meter's nameplate. */
  address: string;
  control: number;
  /** Data bytes with the 0x33 offset removed. */
  data: Buffer;
}

/** "123456789012" -> the 6 address bytes, low byte first (A is the broadcast/wildcard digit: AAAAAAAAAAAA). */
export function addressBytes(address: string): number[] {
  if (!/^[0-9aA]{12}$/.test(address)) throw new Error(`a DL/T 645 address is 12 digits, not "${address}"`);
  const bytes: number[] = [];
  for (let i = 10; i >= 0; i -= 2) bytes.push(parseInt(address.slice(i, i + 2), 16));
  return bytes;
}

function addressOf(bytes: Buffer): string {
  return [...bytes]
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** "00010000" (DI3..DI0, as the standard's tables write it) -> 4 bytes, DI0 first. */
export function diBytes(di: string): number[] {
  if (!/^[0-9a-fA-F]{8}$/.test(di)) throw new Error(`a DL/T 645 data identifier is 8 hex digits, not "${di}"`);
  return [6, 4, 2, 0].map((i) => parseInt(di.slice(i, i + 2), 16));
}

export function encodeFrame(address: string, control: number, data: readonly number[], preamble = true): Buffer {
  const body = [0x68, ...addressBytes(address), 0x68, control, data.length, ...data.map((b) => (b + 0x33) & 0xff)];
  const cs = body.reduce((sum, b) => (sum + b) & 0xff, 0);
  return Buffer.from([...(preamble ? PREAMBLE : []), ...body, cs, 0x16]);
}

/** The request that reads data identifier `di` from the meter at `address`. */
export function encodeReadRequest(address: string, di: string): Buffer {
  return encodeFrame(address, READ_DATA, diBytes(di));
}

export type ParseResult = { ok: true; frame: Dlt645Frame; length: number } | { ok: false; reason: string } | { ok: 'incomplete' };

/**
 * Finds and checks one frame at the start of `buf` (after any FE preamble). `length` is how many
 * bytes it took, so a stream parser can go on after it. Never throws.
 */
export function parseFrame(buf: Buffer): ParseResult {
  let i = 0;
  while (i < buf.length && buf[i] === 0xfe) i++;
  if (i >= buf.length) return { ok: 'incomplete' };
  if (buf[i] !== 0x68) return { ok: false, reason: `expected 68 to start a frame, got ${buf[i]!.toString(16)}` };
  if (buf.length < i + 10) return { ok: 'incomplete' };
  if (buf[i + 7] !== 0x68) return { ok: false, reason: 'no second 68 after the address' };
  const length = buf[i + 9]!;
  const end = i + 10 + length;
  if (buf.length < end + 2) return { ok: 'incomplete' };
  const cs = [...buf.subarray(i, end)].reduce((sum, b) => (sum + b) & 0xff, 0);
  if (buf[end] !== cs) return { ok: false, reason: `checksum ${buf[end]!.toString(16)} != ${cs.toString(16)}` };
  if (buf[end + 1] !== 0x16) return { ok: false, reason: 'no 16 to end the frame' };
  const data = Buffer.from([...buf.subarray(i + 10, end)].map((b) => (b - 0x33) & 0xff));
  return { ok: true, frame: { address: addressOf(buf.subarray(i + 1, i + 7)), control: buf[i + 8]!, data }, length: end + 2 };
}

/** BCD bytes (low byte first) as a number with `decimals` decimals; NaN when a nibble is not a digit. */
export function decodeBcd(bytes: Buffer | readonly number[], decimals: number): number {
  let digits = '';
  for (const b of [...bytes].reverse()) {
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return Number.NaN;
    digits += `${hi}${lo}`;
  }
  return Number(digits) / 10 ** decimals;
}

/** The inverse, for simulators: `value` with `decimals` decimals as `size` BCD bytes, low byte first. */
export function encodeBcd(value: number, decimals: number, size: number): number[] {
  const digits = Math.round(value * 10 ** decimals)
    .toString()
    .padStart(size * 2, '0');
  if (digits.length > size * 2) throw new Error(`${value} does not fit ${size} BCD bytes`);
  const bytes: number[] = [];
  for (let i = size * 2 - 2; i >= 0; i -= 2) bytes.push(parseInt(digits.slice(i, i + 2), 16));
  return bytes;
}
