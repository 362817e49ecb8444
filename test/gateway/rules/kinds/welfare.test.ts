import { describe, expect, test } from 'vitest';
import type { DeviceContext } from '../../../../contract/device-context.js';
import { HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { DEFAULT_RULES } from '../../../../gateway/rules/book/defaults.js';
import type { RuleConfig } from '../../../../gateway/rules/kinds/registry.js';

const DOOR: DeviceContext = { deviceId: 'door-101', householdId: 'hh-101', heartbeatMs: HOUR };

/** The default rules with the welfare check's fixed window at 12 h (the default is 24 h until it has learned the household): its mechanics at the scale these tests were written in. */
const WELFARE_AT_12H: RuleConfig[] = DEFAULT_RULES.map((r) => (r.id === 'welfare-check' ? { ...r, window: '12h' } : r));

/** A home with a water meter (every 15 min) and a door contact (heartbeat every 50 min, and each open/close). */
async function home(hours: number, waterAt: (t: number) => number, doorOpensAt: (t: number) => boolean, dir = tempDir()) {
  const h = ruleHarness(dir, { devices: [WATER_METER, DOOR], rules: WELFARE_AT_12H });
  for (let t = T0; t <= T0 + hours * HOUR; t += 5 * MINUTE) {
    await h.clock.advanceTo(t);
    if ((t - T0) % (15 * MINUTE) === 0) h.water(t, waterAt(t));
    if (doorOpensAt(t)) {
      h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 0 } }, DOOR);
      h.engine.process({ deviceId: DOOR.deviceId, at: t + 1, metrics: { contact_closed: 1 } }, DOOR);
    } else if ((t - T0) % (50 * MINUTE) === 0) {
      h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
    }
  }
  const alerts = h.outbox.peek(100).map((e) => e.alert);
  h.close();
  return alerts;
}

describe('welfare check: no water AND no door activity for 12 h', () => {
  test('a home gone quiet raises the P1 welfare check at 12 h; no water calls to check at 24 h, and "no door activity" adds no second ticket', async () => {
    const alerts = await home(25, () => 100, () => false);
    // Two rules closing at the same instant are committed in no particular order.
    const byTimeThenRule = (a: readonly [string, string, string, number], b: readonly [string, string, string, number]) => a[3] - b[3] || a[0].localeCompare(b[0]);
    expect(alerts.map((a) => [a.rule, a.grade, a.deviceId, (Date.parse(a.at) - T0) / HOUR] as const).sort(byTimeThenRule)).toEqual([
      ['welfare-check', 'P1', 'household:hh-101', 12],
      ['no-water-use', 'P4', 'wm-101', 24],
    ]);
  });

  test('water still in use: no welfare check, and no "no door activity" either (a stay-in day)', async () => {
    const alerts = await home(25, (t) => 100 + Math.floor((t - T0) / (6 * HOUR)) * 20, () => false);
    expect(alerts.map((a) => a.rule)).toEqual([]);
  });

  test('the door opened at 14:00 clears the welfare check', async () => {
    const alerts = await home(15, () => 100, (t) => t === T0 + 14 * HOUR);
    expect(alerts.map((a) => [a.rule, a.kind, (Date.parse(a.at) - T0) / HOUR])).toEqual([
      ['welfare-check', 'raise', 12],
      ['welfare-check', 'clear', 14],
    ]);
  });

  test('a home with a water meter only is never judged by the welfare check', async () => {
    const h = ruleHarness(tempDir());
    for (let t = T0; t <= T0 + 20 * HOUR; t += 15 * MINUTE) {
      await h.clock.advanceTo(t);
      h.water(t, 100);
    }
    expect(h.outbox.peek(10)).toEqual([]);
    h.close();
  });

  test('its state survives a restart: the household pseudo-device is known from the start', async () => {
    const dir = tempDir();
    await home(6, () => 100, () => false, dir);
    const h = ruleHarness(dir, { devices: [WATER_METER, DOOR], startedAt: T0 + 6 * HOUR });
    expect(h.states.get('welfare-check', 'household:hh-101')).toMatchObject({ openEpisode: null });
    h.close();
  });

  test("frames of the household's other devices (a wristband every 5 min) do not delay it", async () => {
    const band: DeviceContext = { deviceId: 'band-101', householdId: 'hh-101', heartbeatMs: 10 * MINUTE };
    const h = ruleHarness(tempDir(), { devices: [WATER_METER, DOOR, band], rules: WELFARE_AT_12H });
    for (let t = T0; t <= T0 + 13 * HOUR; t += 5 * MINUTE) {
      await h.clock.advanceTo(t);
      if ((t - T0) % (15 * MINUTE) === 0) h.water(t, 100);
      if ((t - T0) % (50 * MINUTE) === 0) h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
      h.engine.process({ deviceId: band.deviceId, at: t + 1_000, metrics: { heart_rate_bpm: 70 } }, band);
    }
    const welfare = h.outbox.peek(10).filter((e) => e.alert.rule === 'welfare-check');
    expect(welfare.map((e) => Date.parse(e.alert.at))).toEqual([T0 + 12 * HOUR]);
    h.close();
  });
});
