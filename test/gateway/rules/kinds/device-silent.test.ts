import { describe, expect, test } from 'vitest';
import { deviceSilentRuleSchema, evaluateDeviceSilent } from '../../../../gateway/rules/kinds/device-silent.js';
import { drive, every, DEVICE, GATEWAY } from '../../../support/rules/evaluator-driver.js';
import type { HouseholdContext } from '../../../../gateway/rules/kinds/kind-api.js';
import { MINUTE, T0 } from '../../../support/rules/rule-harness.js';

const rule = deviceSilentRuleSchema.parse({ id: 'device-silent', kind: 'device-silent', title: 'device silent', grade: 'P4' });

describe('device silent', () => {
  test('asks to be woken just past two heartbeats after each reading, raises then, and the next reading clears', () => {
    const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }]);
    expect(r.wakeAt).toBe(T0 + 2 * DEVICE.heartbeatMs + 1);
    const later = drive(evaluateDeviceSilent, rule, [
      { at: T0, metrics: { battery_pct: 80 } },
      { tick: T0 + 2 * DEVICE.heartbeatMs }, // exactly two heartbeats: one lost report, still seen
      { tick: T0 + 2 * DEVICE.heartbeatMs + 1 },
      { tick: T0 + 10 * DEVICE.heartbeatMs },
      { at: T0 + 11 * DEVICE.heartbeatMs, metrics: { battery_pct: 80 } },
    ]);
    expect(later.edges.map((e) => [e.kind, e.at])).toEqual([
      ['raise', T0 + 2 * DEVICE.heartbeatMs + 1],
      ['clear', T0 + 11 * DEVICE.heartbeatMs],
    ]);
  });

  test('a device reporting on time never raises', () => {
    const feed = every(T0, T0 + 60 * MINUTE, DEVICE.heartbeatMs, 'battery_pct', () => 80).flatMap((f) => [f, { tick: ('at' in f ? f.at : 0) + DEVICE.heartbeatMs }]);
    expect(drive(evaluateDeviceSilent, rule, feed).edges).toEqual([]);
  });

  test('time the gateway itself was down does not count as the device being silent', () => {
    const gateway = { ...GATEWAY, offline: [[T0 + 30_000, T0 + 30_000 + 10 * MINUTE]] as const };
    const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 11 * MINUTE }], DEVICE, gateway);
    expect(r.edges).toEqual([]);
    expect(r.wakeAt).toBe(T0 + 2 * DEVICE.heartbeatMs + 10 * MINUTE + 1);
  });
  describe('a wristband heard only at home (issue 14: 36% of the false alerts were bands out with their wearers)', () => {
    const band = { ...DEVICE, deviceId: 'band-1', heartbeatMs: 5 * MINUTE, homeRangeOnly: true };
    const home = (lastDoorUseAt?: number): HouseholdContext => ({ id: DEVICE.householdId, tags: [], absences: [], memory: { signsOfLife: new Map(), lastDoorUseAt, homeRange: undefined, lifeSensors: new Set() } });
    const HOUR = 60 * MINUTE;

    test('silent from when the door was used: "out", not silent; back 5 h later, nothing was raised', () => {
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 11 * MINUTE }, { tick: T0 + 5 * HOUR }, { at: T0 + 5 * HOUR + MINUTE, metrics: { battery_pct: 79 } }], band, GATEWAY, home(T0 + 2 * MINUTE));
      expect(r.edges).toEqual([]);
    });

    test('out and not heard for 16 h (a day out is 8-13 h): raised then, saying it went out', () => {
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 11 * MINUTE }, { tick: T0 + 16 * HOUR + 1 }], band, GATEWAY, home(T0 + 2 * MINUTE));
      expect(r.edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 16 * HOUR + 1]]);
      expect(r.edges[0]!.summary).toMatch(/went out as the door was used/);
    });

    test('while the household is reported away it is out all along, and out for 16 h after the absence ended once she is back', () => {
      // Back at 72 h + 1 h: water drawn after the door she left by.
      const back: HouseholdContext = { ...home(T0 + 2 * MINUTE), absences: [{ from: T0 + 5 * MINUTE, until: T0 + 72 * HOUR }] };
      (back.memory!.signsOfLife as Map<string, number>).set('meter-1', T0 + 73 * HOUR);
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 11 * MINUTE }, { tick: T0 + 17 * HOUR }, { tick: T0 + 72 * HOUR + 16 * HOUR }], band, GATEWAY, back);
      expect(r.edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 88 * HOUR]]);
    });

    test('an absence that ran past its end with the door unused since she left: not back, still out, nothing raised', () => {
      const notBack: HouseholdContext = { ...home(T0 + 2 * MINUTE), absences: [{ from: T0 + 5 * MINUTE, until: T0 + 72 * HOUR }] };
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 11 * MINUTE }, { tick: T0 + 17 * HOUR }, { tick: T0 + 88 * HOUR }, { tick: T0 + 104 * HOUR }], band, GATEWAY, notBack);
      expect(r.edges).toEqual([]);
    });

    test('in a home with no door contact to tell by, a silent band is out with its wearer', () => {
      const noDoor: HouseholdContext = { id: DEVICE.householdId, tags: [], absences: [], memory: { signsOfLife: new Map(), lastDoorUseAt: undefined, homeRange: undefined, lifeSensors: new Set() } };
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 11 * MINUTE }, { tick: T0 + 16 * HOUR + 1 }], band, GATEWAY, noDoor);
      expect(r.edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 16 * HOUR + 1]]);
      expect(r.edges[0]!.summary).toMatch(/went out \(/);
    });

    test('silent with no door use around it: silent after two heartbeats, as any device', () => {
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { battery_pct: 80 } }, { tick: T0 + 10 * MINUTE + 1 }], band, GATEWAY, home(T0 - 3 * HOUR));
      expect(r.edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 10 * MINUTE + 1]]);
    });

    test('a meter never goes out: the door used as it fell silent changes nothing', () => {
      const meter = { ...DEVICE, heartbeatMs: 15 * MINUTE };
      const r = drive(evaluateDeviceSilent, rule, [{ at: T0, metrics: { volume_l: 100 } }, { tick: T0 + 30 * MINUTE + 1 }], meter, GATEWAY, home(T0 + MINUTE));
      expect(r.edges.map((e) => e.kind)).toEqual(['raise']);
    });
  });
});
