import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadProfiles } from '../../firmware-profiles/index.js';
import { decodeJsonPayload } from '../../firmware-profiles/decode-json.js';
import { decodeModbusPoints } from '../../firmware-profiles/decode-modbus.js';
import { decodeDlt645Replies } from '../../firmware-profiles/decode-dlt645.js';
import { encodeFrame, parseFrame, READ_REPLY } from '../../firmware-profiles/dlt645-codec.js';
import { decodeWatchMessage, parseWatchMessage } from '../../firmware-profiles/watch-3g-codec.js';

const profiles = [...loadProfiles().values()];
const RUNS = { numRuns: 2_000 };

/** A valid frame with some bytes flipped, cut or repeated: what a noisy line or a buggy firmware sends. */
const mangled = (valid: Buffer) =>
  fc
    .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean())
    .map(([flips, cut, twice]) => {
      const b = Buffer.from(twice ? Buffer.concat([valid, valid]) : valid);
      for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
      return b.subarray(0, b.length - (cut % 4));
    });

const isNumberRecord = (metrics: object) => Object.values(metrics).every((v) => typeof v === 'number' && Number.isFinite(v));

/**
 * Device input never throws and never yields a non-finite value: every decoder answers with
 * values or a reason, whatever the bytes.
 */
describe('decoders against garbage and mangled frames', () => {
  test('MQTT JSON profiles', () => {
    for (const profile of profiles) {
      if (profile.transport !== 'mqtt-json') continue;
      const fixtures = profile.fixtures.map((f) => Buffer.from(f.payload));
      fc.assert(
        fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), fc.json().map((j) => Buffer.from(j)), fc.constantFrom(...fixtures).chain(mangled)), (payload) => {
          const result = decodeJsonPayload(profile, payload);
          if (result.ok) expect(isNumberRecord(result.metrics)).toBe(true);
          else expect(result.reason.length).toBeGreaterThan(0);
        }),
        RUNS,
      );
    }
  });

  test('Modbus register maps', () => {
    for (const profile of profiles) {
      if (profile.transport !== 'modbus') continue;
      const reads = profile.points.map((p) => p.inputType);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 0, maxLength: 400 }), fc.nat(0x200), (words, address) => {
          const result = decodeModbusPoints(profile, [{ inputType: reads[0]!, address, words }]);
          if (result.ok) expect(isNumberRecord(result.metrics)).toBe(true);
          else expect(result.reason.length).toBeGreaterThan(0);
        }),
        RUNS,
      );
    }
  });

  test('DL/T 645 frames and replies', () => {
    const profile = profiles.find((p) => p.transport === 'dlt645')!;
    if (profile.transport !== 'dlt645') throw new Error('no DL/T 645 profile');
    const valid = encodeFrame('000000000101', READ_REPLY, [0x00, 0x00, 0x01, 0x00, 0x45, 0x23, 0x01, 0x00].map((b) => b));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), mangled(valid)), (bytes) => {
        const parsed = parseFrame(bytes);
        expect(['incomplete', true, false]).toContain(parsed.ok);
        const result = decodeDlt645Replies(profile.points, '000000000101', [bytes]);
        if (result.ok) expect(isNumberRecord(result.metrics)).toBe(true);
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  test('3G watch protocol messages', () => {
    const samples = [
      '[3G*8800000015*0008*LK,0,0,100]',
      '[3G*8800000015*00C5*AL,220414,134652,A,22.571707,N,113.8613968,E,0.1,0.0,100,7,60,90,1000,50,00010000,4,1,460,0,9360,4082,131,9360,4092,148,9360,4091,143,9360,4153,141]',
      '[3G*8800000015*0008*bphrt,120,79,73]',
    ].map((m) => Buffer.from(m, 'latin1'));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)), fc.constantFrom(...samples).chain(mangled)), (bytes) => {
        const parsed = parseWatchMessage(bytes);
        if (parsed.ok !== true) return;
        const decoded = decodeWatchMessage(parsed.message);
        if (decoded && !('error' in decoded)) {
          expect(isNumberRecord(decoded.metrics)).toBe(true);
          if (decoded.metrics.battery_pct !== undefined) expect(decoded.metrics.battery_pct).toBeGreaterThanOrEqual(0);
        }
      }),
      RUNS,
    );
  });

  test('an empty battery or position field is missing, not 0 % or 0°', () => {
    const content = 'UD,220414,134652,A,,N,,E,0.1,0.0,100,7,60,,1000,50,00000000,4';
    const message = `[3G*8800000015*${content.length.toString(16).toUpperCase().padStart(4, '0')}*${content}]`;
    const parsed = parseWatchMessage(Buffer.from(message, 'latin1'));
    expect(parsed.ok).toBe(true);
    if (parsed.ok !== true) return;
    expect(decodeWatchMessage(parsed.message)).toEqual({ metrics: {}, events: [] });
  });
});
