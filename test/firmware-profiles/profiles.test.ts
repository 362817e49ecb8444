import { describe, expect, test } from 'vitest';
import { decodeJsonPayload } from '../../firmware-profiles/codecs/json.js';
import { decodeModbusPoints, decodeRegisters, planModbusReads } from '../../firmware-profiles/codecs/modbus.js';
import { modbusPointSchema, REGISTERS_OF, type DataType } from '../../firmware-profiles/modbus-schema.js';
import { BUILT_IN_PROFILES, loadProfiles } from '../../firmware-profiles/index.js';
import type { MqttJsonProfile, ProfileInput } from '../../firmware-profiles/schema.js';
import { encodeJsonPayload } from '../../simulators/mqtt/encode-json.js';

const profiles = loadProfiles();

describe('every firmware profile', () => {
  test('is valid and has a unique id', () => {
    expect(profiles.size).toBe(BUILT_IN_PROFILES.length);
  });

  for (const profile of profiles.values()) {
    if (profile.transport !== 'mqtt-json') continue;
    describe(profile.id, () => {
      profile.fixtures.forEach((fixture, i) => {
        const name = fixture.expect ? `decodes fixture ${i}: ${fixture.payload}` : `rejects fixture ${i}: ${fixture.payload}`;
        test(name, () => {
          const result = decodeJsonPayload(profile, Buffer.from(fixture.payload));
          if (fixture.expect) {
            expect(result).toEqual({ ok: true, metrics: fixture.expect, events: fixture.expectEvents ?? [] });
          } else {
            expect(result.ok).toBe(false);
            if (!result.ok && fixture.rejectReason) expect(result.reason).toContain(fixture.rejectReason);
          }
        });
      });

      test('what its simulator encodes decodes to the same values and events', () => {
        // A plausible value for every metric the profile maps, and every event it knows.
        const metrics = Object.fromEntries(
          // A pulse counter (10 L a pulse) counts whole pulses: pick a value it can show.
          [...profile.fields.map((f) => [f.metric, f.max !== undefined ? f.max / 2 : f.scale > 1 ? 1234 * f.scale : 1234.5]), ...profile.flags.map((f) => [f.metric, 1])] as Array<[string, number]>,
        );
        const events = profile.events.map((e) => e.event);
        const result = decodeJsonPayload(profile, Buffer.from(encodeJsonPayload(profile, metrics, events)));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        for (const [metric, value] of Object.entries(metrics)) expect(result.metrics[metric as keyof typeof result.metrics]).toBeCloseTo(value, 6);
        expect(result.events).toEqual([...new Set(events)]);
      });
    });
  }

  for (const profile of profiles.values()) {
    if (profile.transport !== 'modbus') continue;
    describe(profile.id, () => {
      profile.fixtures.forEach((fixture, i) => {
        test(`${fixture.expect ? 'decodes' : 'rejects'} fixture ${i}`, () => {
          const result = decodeModbusPoints(profile, fixture.reads);
          if (fixture.expect) {
            expect(result.ok).toBe(true);
            if (!result.ok) return;
            expect(Object.keys(result.metrics).sort()).toEqual(Object.keys(fixture.expect).sort());
            // float32 holds about 7 significant digits: 1234.56 kWh comes back as 1234.5600586.
            for (const [metric, value] of Object.entries(fixture.expect)) expect(result.metrics[metric as keyof typeof result.metrics]).toBeCloseTo(value, 3);
          } else {
            expect(result).toEqual({ ok: false, reason: expect.stringContaining(fixture.rejectReason ?? '') });
          }
        });
      });

      test('its planned reads cover every point, in at most 125 registers each', () => {
        const plan = planModbusReads(profile.points);
        for (const p of plan) expect(p.count).toBeLessThanOrEqual(125);
        for (const point of profile.points) {
          expect(plan.some((r) => r.inputType === point.inputType && r.address <= point.address && point.address + REGISTERS_OF[point.dataType] <= r.address + r.count)).toBe(true);
        }
      });
    });
  }
});

describe('Modbus register decoding', () => {
  const point = (dataType: DataType, byteOrder: 'big' | 'little' = 'big', wordOrder: 'big' | 'little' = 'big') =>
    modbusPointSchema.parse({ metric: 'power_w', inputType: 'holding', address: 0, dataType, byteOrder, wordOrder });
  test.each([
    ['int16', 'big', 'big', [0xfffe], -2],
    ['uint16', 'big', 'big', [0xfffe], 65534],
    ['int16', 'little', 'big', [0xfeff], -2],
    ['int32', 'big', 'big', [0xffff, 0xfffe], -2],
    ['uint32', 'big', 'little', [0x0002, 0x0001], 65538],
    ['float32', 'big', 'big', [0x4366, 0x199a], 230.1],
    ['float32', 'big', 'little', [0x199a, 0x4366], 230.1],
    ['float32', 'little', 'little', [0x9a19, 0x6643], 230.1],
  ] as const)('%s, bytes %s, words %s: %j -> %d', (type, bytes, words, registers, value) => {
    expect(decodeRegisters(point(type, bytes, words), registers)).toBeCloseTo(value, 3);
  });

  test('neighbouring registers are read together; far ones apart; holding and input never mixed', () => {
    const points = [
      { address: 0, dataType: 'float32' },
      { address: 6, dataType: 'float32' },
      { address: 0x156, dataType: 'float32' },
    ].map((p) => modbusPointSchema.parse({ metric: 'power_w', inputType: 'input', ...p }));
    const holding = modbusPointSchema.parse({ metric: 'noise_dba', inputType: 'holding', address: 2, dataType: 'uint16' });
    expect(planModbusReads([...points, holding])).toEqual([
      { inputType: 'holding', address: 2, count: 1 },
      { inputType: 'input', address: 0, count: 8 },
      { inputType: 'input', address: 0x156, count: 2 },
    ]);
  });

  test('a register count that does not fit the type names the field', () => {
    const r = modbusPointSchema.safeParse({ metric: 'power_w', inputType: 'input', address: 12, dataType: 'float32', count: 1 });
    expect(r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['dataType: float32 needs 2 registers, not 1']);
    expect(() => loadProfiles([{ ...BUILT_IN_PROFILES.find((p) => p.id === 'eastron/sdm120')!, points: [{ metric: 'power_w', inputType: 'input', address: 65535, dataType: 'float32' }] } as ProfileInput])).toThrow(
      /points\[0\]\.address: float32 at 65535 needs 2 registers/,
    );
  });
});

describe('a profile with mistakes', () => {
  const good = BUILT_IN_PROFILES[0]!;
  const load = (patch: Partial<ProfileInput>) => () => loadProfiles([{ ...good, ...patch } as ProfileInput]);

  test('is refused with the profile and the field named', () => {
    expect(load({ topic: 'water/+/x' })).toThrow(/profile generic\/mqtt-water-flow.*topic: .*{device}/s);
    expect(load({ heartbeat: 'soon' })).toThrow(/heartbeat: "soon" is not a duration/);
    expect(load({ fixtures: [] })).toThrow(/fixtures: every profile proves itself/);
  });

  test('a metric mapped twice is named by its field index', () => {
    const fields = [
      { metric: 'volume_l', path: 'a' },
      { metric: 'volume_l', path: 'b' },
    ] as Extract<ProfileInput, { transport: 'mqtt-json' }>['fields'];
    expect(load({ fields })).toThrow(/fields\[1\]\.metric: volume_l is mapped twice/);
  });

  test('two profiles with one id are refused', () => {
    expect(() => loadProfiles([good, good])).toThrow(/used twice/);
  });
});

describe('decoding device input', () => {
  const profile = profiles.get('generic/mqtt-water-flow')! as MqttJsonProfile;
  test.each([
    ['', 'not JSON'],
    ['[1,2]', 'not a JSON object'],
    ['null', 'not a JSON object'],
    ['{"total_l":-5}', 'below 0'],
    ['{"total_l":1e400}', 'expected a number'],
    ['{"total_l":true}', 'expected a number'],
    ['\u00ff\u00fe', 'not JSON'],
  ])('%j is rejected: %s', (payload, reason) => {
    const result = decodeJsonPayload(profile, Buffer.from(payload, 'latin1'));
    expect(result).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });
});
