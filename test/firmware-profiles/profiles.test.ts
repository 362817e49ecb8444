import { describe, expect, test } from 'vitest';
import { decodeJsonPayload } from '../../firmware-profiles/decode-json.js';
import { BUILT_IN_PROFILES, loadProfiles } from '../../firmware-profiles/index.js';
import type { ProfileInput } from '../../firmware-profiles/schema.js';
import { encodeJsonPayload } from '../../simulators/encode-json.js';

const profiles = loadProfiles();

describe('every firmware profile', () => {
  test('is valid and has a unique id', () => {
    expect(profiles.size).toBe(BUILT_IN_PROFILES.length);
  });

  for (const profile of profiles.values()) {
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
          [...profile.fields.map((f) => [f.metric, f.max !== undefined ? f.max / 2 : 1234.5]), ...profile.flags.map((f) => [f.metric, 1])] as Array<[string, number]>,
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
    ] as ProfileInput['fields'];
    expect(load({ fields })).toThrow(/fields\[1\]\.metric: volume_l is mapped twice/);
  });

  test('two profiles with one id are refused', () => {
    expect(() => loadProfiles([good, good])).toThrow(/used twice/);
  });
});

describe('decoding device input', () => {
  const profile = profiles.get('generic/mqtt-water-flow')!;
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
