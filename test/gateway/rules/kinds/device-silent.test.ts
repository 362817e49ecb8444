import { describe, expect, test } from 'vitest';
import { deviceSilentRuleSchema, evaluateDeviceSilent } from '../../../../gateway/rules/kinds/device-silent.js';
import { drive, every, DEVICE, GATEWAY } from '../../../support/rules/evaluator-driver.js';
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
});
