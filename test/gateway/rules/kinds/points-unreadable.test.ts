import { describe, expect, test } from 'vitest';
import type { DeviceContext } from '../../../../contract/device-context.js';
import { MINUTE, T0, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

/** An SDM120 polled every minute (heartbeat 1 min): "faulty" past 2 min of a point unreadable. */
const METER: DeviceContext = { deviceId: 'em-101', householdId: 'hh-101', heartbeatMs: MINUTE };
const GOOD = { voltage_v: 230, current_a: 1.2, power_w: 270, power_factor: 0.98, frequency_hz: 50, energy_kwh: 1234.5 };
const { energy_kwh: _energy, ...WITHOUT_ENERGY } = GOOD;
const REFUSED = { energy_kwh: 'energy_kwh: input 342+2: Modbus exception 2: Illegal data address' };

/** Polls the meter once a minute from `from` to `to`; `refused(t)` says whether the energy block is refused then. */
function poll(h: ReturnType<typeof ruleHarness>, from: number, to: number, refused: (t: number) => boolean) {
  for (let t = from; t <= to; t += MINUTE) {
    h.engine.process(refused(t) ? { deviceId: METER.deviceId, at: t, metrics: WITHOUT_ENERGY, unreadable: REFUSED } : { deviceId: METER.deviceId, at: t, metrics: GOOD }, METER);
  }
}
const pending = (h: ReturnType<typeof ruleHarness>) => h.outbox.peek(100).map((e) => e.alert);

describe('device faulty: a polled device answers, but some points stay unreadable', () => {
  test('raises once past 2 heartbeats of a refused block, naming the point and why; the device is not silent; clears when it reads again', () => {
    const h = ruleHarness(tempDir(), { devices: [METER] });
    poll(h, T0, T0 + 10 * MINUTE, (t) => t >= T0 + 2 * MINUTE && t < T0 + 8 * MINUTE);
    const alerts = pending(h).filter((a) => a.deviceId === METER.deviceId);
    expect(alerts.map((a) => [a.rule, a.kind, a.grade, (Date.parse(a.at) - T0) / MINUTE])).toEqual([
      // Refused from 00:02: at 00:04 it is exactly 2 heartbeats (one more lost poll is still "seen"), at 00:05 past them.
      ['device-faulty', 'raise', 'P4', 5],
      ['device-faulty', 'clear', 'P4', 8],
    ]);
    expect(alerts[0]!.summary).toContain('energy_kwh');
    expect(alerts[0]!.details).toMatchObject({ points: 'energy_kwh', reason: REFUSED.energy_kwh, since: new Date(T0 + 2 * MINUTE).toISOString() });
    h.close();
  });

  test('a point refused now and then, never 2 heartbeats on end, raises nothing', () => {
    const h = ruleHarness(tempDir(), { devices: [METER] });
    poll(h, T0, T0 + 60 * MINUTE, (t) => ((t - T0) / MINUTE) % 3 !== 0);
    expect(pending(h).filter((a) => a.rule === 'device-faulty')).toEqual([]);
    h.close();
  });

  test('the point\'s failing time survives a restart, and the time the gateway was down is not counted', async () => {
    const dir = tempDir();
    const h = ruleHarness(dir, { devices: [METER] });
    poll(h, T0, T0 + MINUTE, () => true);
    h.close(T0 + MINUTE);
    // Down for an hour; refused again at once after the restart: 1 min before + 1 min after is not past 2 heartbeats.
    const again = ruleHarness(dir, { startedAt: T0 + 61 * MINUTE, devices: [METER] });
    poll(again, T0 + 61 * MINUTE, T0 + 62 * MINUTE, () => true);
    expect(pending(again).filter((a) => a.rule === 'device-faulty')).toEqual([]);
    poll(again, T0 + 63 * MINUTE, T0 + 63 * MINUTE, () => true);
    expect(pending(again).filter((a) => a.rule === 'device-faulty').map((a) => [a.kind, Date.parse(a.at)])).toEqual([['raise', T0 + 63 * MINUTE]]);
    again.close();
  });
});
