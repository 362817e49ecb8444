import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadProfiles } from '../../firmware-profiles/index.js';
import { decodeJsonPayload } from '../../firmware-profiles/codecs/json.js';
import { decodeModbusPoints, planModbusReads } from '../../firmware-profiles/codecs/modbus.js';
import { decodeDlt645Replies } from '../../firmware-profiles/codecs/dlt645.js';
import { diBytes, encodeBcd, encodeFrame, parseFrame, READ_REPLY } from '../../firmware-profiles/codecs/dlt645-frame.js';
import type { Dlt645Point } from '../../firmware-profiles/dlt645-schema.js';
import { REGISTERS_OF, type ModbusPoint, type ModbusRead } from '../../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import { decodeWatchMessage, parseWatchMessage } from '../../firmware-profiles/codecs/watch-3g.js';
import { encodeRegisters } from '../../simulators/modbus/encode.js';

const profiles = [...loadProfiles().values()];
const RUNS = { numRuns: 2_000 };
/** Inputs that decode to values, at least: "never a non-finite value" is only checked on those. */
const DECODED_AT_LEAST = RUNS.numRuns / 10;

/** A valid frame with some bytes flipped, cut or repeated: what a noisy line or a buggy firmware sends. */
const mangled = (valid: Buffer) =>
  fc
    .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), fc.boolean())
    .map(([flips, cut, twice]) => {
      const b = Buffer.from(twice ? Buffer.concat([valid, valid]) : valid);
      for (const [at, byte] of flips) if (b.length > 0) b[at % b.length] = byte;
      return b.subarray(0, b.length - (cut % 4));
    });

/**
 * A poll of a Modbus profile as the gateway makes it (one read per planModbusReads entry), each
 * point's registers either random words (NaN, infinities, subnormals, out of range...) or a
 * value in the point's range as the device would encode it: so that whole polls decode often
 * enough for their values to be checked, and every kind of word still comes.
 */
const modbusPoll = (profile: ModbusProfile) => {
  const word = fc.integer({ min: 0, max: 0xffff });
  const registersOf = (point: ModbusPoint) => {
    const count = REGISTERS_OF[point.dataType];
    return fc.oneof(
      { weight: 1, arbitrary: fc.array(word, { minLength: count, maxLength: count }) },
      {
        weight: 4,
        arbitrary: fc.double({ min: point.min ?? -1e6, max: point.max ?? 1e6, noNaN: true }).chain((value) => {
          const encoded = encodeRegisters(point, value);
          return encoded.ok ? fc.constant(encoded.words) : fc.array(word, { minLength: count, maxLength: count });
        }),
      },
    );
  };
  return fc.tuple(
    ...planModbusReads(profile.points).map((plan) => {
      const inside = profile.points.filter((p) => p.inputType === plan.inputType && p.address >= plan.address && p.address < plan.address + plan.count);
      return fc
        .tuple(fc.array(word, { minLength: plan.count, maxLength: plan.count }), ...inside.map(registersOf))
        .map(([filler, ...points]): ModbusRead => {
          const words = [...filler];
          inside.forEach((p, i) => points[i]!.forEach((w, k) => (words[p.address - plan.address + k] = w)));
          return { inputType: plan.inputType, address: plan.address, words };
        });
    }),
  );
};

/** A DL/T 645 point's reply carrying a value in its range, as the meter would send it. */
const dlt645Reply = (address: string, point: Dlt645Point) => {
  const scale = 10 ** point.decimals;
  const most = Math.min(10 ** (2 * point.bytes) - 1, Number.MAX_SAFE_INTEGER, point.max === undefined ? Infinity : Math.floor(point.max * scale));
  const least = Math.min(most, Math.max(0, point.min === undefined ? 0 : Math.ceil(point.min * scale)));
  return fc.integer({ min: least, max: most }).map((units) => encodeFrame(address, READ_REPLY, [...diBytes(point.di), ...encodeBcd(units, 0, point.bytes)]));
};

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

  test('Modbus register maps: whole polls of random or in-range words, and replies of any length anywhere', () => {
    for (const profile of profiles) {
      if (profile.transport !== 'modbus') continue;
      const anyReply = fc
        .tuple(fc.constantFrom('holding' as const, 'input' as const), fc.nat(0x200), fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 400 }))
        .map(([inputType, address, words]): ModbusRead[] => [{ inputType, address, words }]);
      let decoded = 0;
      fc.assert(
        fc.property(fc.oneof({ weight: 4, arbitrary: modbusPoll(profile) }, { weight: 1, arbitrary: anyReply }), (reads) => {
          const result = decodeModbusPoints(profile, reads);
          if (result.ok) {
            decoded++;
            expect(isNumberRecord(result.metrics)).toBe(true);
          } else expect(result.reason.length).toBeGreaterThan(0);
        }),
        RUNS,
      );
      expect(decoded, profile.id).toBeGreaterThan(DECODED_AT_LEAST);
    }
  });

  test('DL/T 645 frames and replies: one reply per point, valid, mangled or random bytes', () => {
    for (const profile of profiles) {
      if (profile.transport !== 'dlt645') continue;
      const address = '000000000101';
      const reply = (point: Dlt645Point) =>
        fc.oneof(
          { weight: 4, arbitrary: dlt645Reply(address, point) },
          { weight: 1, arbitrary: dlt645Reply(address, point).chain(mangled) },
          { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
        );
      let decoded = 0;
      fc.assert(
        fc.property(fc.tuple(...profile.points.map(reply)), (replies) => {
          for (const bytes of replies) expect(['incomplete', true, false]).toContain(parseFrame(bytes).ok);
          const result = decodeDlt645Replies(profile.points, address, replies);
          if (result.ok) {
            decoded++;
            expect(isNumberRecord(result.metrics)).toBe(true);
          } else expect(result.reason.length).toBeGreaterThan(0);
        }),
        RUNS,
      );
      expect(decoded, profile.id).toBeGreaterThan(DECODED_AT_LEAST);
    }
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
