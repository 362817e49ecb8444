import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import type { DeviceContext } from '../../../../contract/device-context.js';
import { HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { DEFAULT_RULES } from '../../../../gateway/rules/book/defaults.js';
import type { RuleConfig } from '../../../../gateway/rules/kinds/registry.js';

const DOOR: DeviceContext = { deviceId: 'door-101', householdId: 'hh-101', heartbeatMs: HOUR };

/** The default rules with the welfare check's fixed window at 12 h (the default is 24 h until it has learned the household): its mechanics at the scale these tests were written in. */
const WELFARE_AT_12H: RuleConfig[] = DEFAULT_RULES.map((r) => (r.id === 'welfare-check' ? { ...r, window: '12h' } : r));

/** Every 15 min the meter reports (`water(t)` litres so far); every 50 min the door reports its state, and opens at `opensAt(t)`. */
async function home(hours: number, water: (t: number) => number, opensAt: (t: number) => boolean, dir = tempDir()) {
  const h = ruleHarness(dir, { devices: [WATER_METER, DOOR], rules: WELFARE_AT_12H });
  for (let t = T0; t <= T0 + hours * HOUR; t += 5 * MINUTE) {
    await h.clock.advanceTo(t);
    if ((t - T0) % (15 * MINUTE) === 0) h.water(t, water(t));
    if (opensAt(t)) {
      h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 0 } }, DOOR);
      h.engine.process({ deviceId: DOOR.deviceId, at: t + 1, metrics: { contact_closed: 1 } }, DOOR);
    } else if ((t - T0) % (50 * MINUTE) === 0) h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
  }
  return h;
}
const raised = (h: ReturnType<typeof ruleHarness>, rule: string) => h.outbox.peek(100).map((e) => e.alert).filter((a) => a.rule === rule && a.kind === 'raise');

describe('corroboration: one quiet sensor while another shows life is a call to check or nothing, not a dispatch (issue 14)', () => {
  test('a stay-in day: the door unused for 24 h while water is drawn every hour raises nothing (not even a call to check)', async () => {
    const h = await home(25, (t) => 100 + Math.floor((t - T0) / HOUR) * 2, (t) => t === T0 + 10 * MINUTE);
    expect(h.outbox.peek(100)).toEqual([]);
    h.close();
  });

  test('both quiet: the welfare check is P1, and "no door activity" adds no second ticket (it speaks for a home whose door is its one sensor of life)', async () => {
    const h = await home(25, () => 100, (t) => t === T0 + 10 * MINUTE);
    expect(raised(h, 'welfare-check').map((a) => a.grade)).toEqual(['P1']);
    expect(raised(h, 'no-door-activity')).toEqual([]);
    h.close();
  });

  test('a home with a door contact and nothing else: "no door activity" is its dispatch, P2 24 h after the door was last used', async () => {
    const h = ruleHarness(tempDir(), { devices: [DOOR], rules: WELFARE_AT_12H });
    for (let t = T0; t <= T0 + 26 * HOUR; t += 5 * MINUTE) {
      await h.clock.advanceTo(t);
      if (t === T0 + 10 * MINUTE) {
        h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 0 } }, DOOR);
        h.engine.process({ deviceId: DOOR.deviceId, at: t + 1, metrics: { contact_closed: 1 } }, DOOR);
      } else if ((t - T0) % (50 * MINUTE) === 0) h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
    }
    expect(raised(h, 'no-door-activity').map((a) => [a.grade, Date.parse(a.at)])).toEqual([['P2', T0 + 24 * HOUR + 10 * MINUTE + 1]]);
    h.close();
  });

  test('no water while the door was used after the last draw: maybe out, so the welfare check counts from the door, and no water calls to check at its fixed 24 h', async () => {
    // Water drawn every hour until 08:00; the door opens at 08:10 and nobody draws water again.
    const h = await home(34, (t) => (t <= T0 + 8 * HOUR ? 100 + Math.floor((t - T0) / HOUR) * 2 : 116), (t) => t === T0 + 8 * HOUR + 10 * MINUTE);
    // A home with a door: the welfare check is its dispatch; no water is a call to check.
    expect(raised(h, 'no-water-use').map((a) => [a.grade, Date.parse(a.at)])).toEqual([['P4', T0 + 32 * HOUR]]);
    // Both quiet since the door: 12 h after it (this test's welfare window), not 12 h after the water.
    expect(raised(h, 'welfare-check').map((a) => Date.parse(a.at))).toEqual([T0 + 20 * HOUR + 10 * MINUTE + 1]);
    h.close();
  });

  test('the engine tells the rules when the door was used: a home-range band that falls silent as it opens is out, not silent', async () => {
    const band: DeviceContext = { deviceId: 'band-101', householdId: 'hh-101', heartbeatMs: 5 * MINUTE, homeRangeOnly: true };
    const h = ruleHarness(tempDir(), { devices: [WATER_METER, DOOR, band] });
    for (let t = T0; t <= T0 + 6 * HOUR; t += 5 * MINUTE) {
      await h.clock.advanceTo(t);
      if ((t - T0) % (15 * MINUTE) === 0) h.water(t, 100 + Math.floor((t - T0) / HOUR));
      if (t <= T0 + HOUR) h.engine.process({ deviceId: band.deviceId, at: t, metrics: { heart_rate_bpm: 70 } }, band);
      if (t === T0 + HOUR) h.engine.process({ deviceId: DOOR.deviceId, at: t + 1, metrics: { contact_closed: 0 } }, DOOR);
      if (t === T0 + HOUR + 5 * MINUTE) h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
      if (t > T0 && (t - T0) % (50 * MINUTE) === 0) h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
    }
    expect(h.outbox.peek(100).map((e) => e.alert).filter((a) => a.deviceId === band.deviceId)).toEqual([]);
    h.close();
  });
  test('a band out with its wearer is still out after the gateway restarts: the household memory is kept with the rule state', async () => {
    const dir = tempDir();
    const band: DeviceContext = { deviceId: 'band-101', householdId: 'hh-101', heartbeatMs: 5 * MINUTE, homeRangeOnly: true };
    const h = ruleHarness(dir, { devices: [WATER_METER, DOOR, band] });
    h.engine.process({ deviceId: DOOR.deviceId, at: T0, metrics: { contact_closed: 1 } }, DOOR);
    for (let t = T0; t <= T0 + HOUR; t += 5 * MINUTE) {
      await h.clock.advanceTo(t);
      h.engine.process({ deviceId: band.deviceId, at: t, metrics: { heart_rate_bpm: 70 } }, band);
    }
    h.engine.process({ deviceId: DOOR.deviceId, at: T0 + HOUR + 1, metrics: { contact_closed: 0 } }, DOOR);
    h.close(T0 + HOUR + 5 * MINUTE);
    const clock = new VirtualClock(T0 + HOUR + 20 * MINUTE);
    const again = ruleHarness(dir, { startedAt: T0 + HOUR + 20 * MINUTE, clock, devices: [WATER_METER, DOOR, band] });
    await clock.advanceTo(T0 + 5 * HOUR);
    expect(again.outbox.peek(100).map((e) => e.alert).filter((a) => a.deviceId === band.deviceId)).toEqual([]);
    again.close();
  });
});
