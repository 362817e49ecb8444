import { describe, expect, test } from 'vitest';
import { decodeBcd, encodeBcd, encodeFrame, encodeReadRequest, parseFrame, READ_REPLY, diBytes } from '../../firmware-profiles/codecs/dlt645-frame.js';

const hex = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

describe('DL/T 645-2007 frames', () => {
  test('the published read-energy frame to the broadcast address comes out byte for byte', () => {
    // The sample every DL/T 645-2007 guide shows: 68 AA AA AA AA AA AA 68 11 04 33 33 34 33 AE 16.
    expect(hex(encodeReadRequest('AAAAAAAAAAAA', '00010000'))).toBe('fe fe fe fe 68 aa aa aa aa aa aa 68 11 04 33 33 34 33 ae 16');
  });

  test('reading forward active energy (DI 00010000) from meter 123456789012', () => {
    // 68, address low byte first, 68, C=11, L=04, DI0..DI3 = 00 00 01 00 each +33, CS, 16.
    expect(hex(encodeReadRequest('123456789012', '00010000'))).toBe('fe fe fe fe 68 12 90 78 56 34 12 68 11 04 33 33 34 33 68 16');
  });

  test("a meter's reply of 12345.67 kWh decodes: DI, then XXXXXX.XX in BCD", () => {
    const reply = encodeFrame('123456789012', READ_REPLY, [...diBytes('00010000'), ...encodeBcd(12345.67, 2, 4)]);
    expect(hex(reply)).toBe('fe fe fe fe 68 12 90 78 56 34 12 68 91 08 33 33 34 33 9a 78 56 34 88 16');
    const parsed = parseFrame(reply);
    expect(parsed.ok).toBe(true);
    if (parsed.ok !== true) return;
    expect(parsed.frame.address).toBe('123456789012');
    expect(parsed.frame.control).toBe(0x91);
    expect([...parsed.frame.data.subarray(0, 4)]).toEqual(diBytes('00010000'));
    expect(decodeBcd(parsed.frame.data.subarray(4), 2)).toBe(12345.67);
    expect(parsed.length).toBe(reply.length);
  });

  test.each([
    ['a wrong checksum', (b: Buffer) => (b.writeUInt8(b.readUInt8(b.length - 2) ^ 0xff, b.length - 2), b), /checksum/],
    ['no end byte', (b: Buffer) => (b[b.length - 1] = 0x00, b), /no 16/],
    ['garbage first', () => Buffer.from([0x00, 0x68]), /expected 68/],
  ])('%s is refused with a reason', (_, spoil, reason) => {
    const result = parseFrame(spoil(encodeReadRequest('123456789012', '00010000')));
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason) });
  });

  test('a frame cut short asks for more bytes', () => {
    const full = encodeReadRequest('123456789012', '00010000');
    for (let n = 0; n < full.length; n++) expect(parseFrame(full.subarray(0, n)).ok).toBe('incomplete');
  });

  test('BCD: non-digits are NaN, not a number that looks right', () => {
    expect(decodeBcd([0x67, 0x45, 0x23, 0x01], 2)).toBe(12345.67);
    expect(decodeBcd([0x6a, 0x45, 0x23, 0x01], 2)).toBeNaN();
    expect(() => encodeBcd(1_000_000, 2, 4)).toThrow(/does not fit/);
  });
});
