import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import type { DeviceContext } from '../../../../contract/device-context.js';
import { HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const DOOR: DeviceContext = { deviceId: 'door-101', householdId: 'hh-101', heartbeatMs: HOUR };

/** Every 15 min the meter reports (`water(t)` litres so far); every 50 min the door reports its state, and opens at `opensAt(t)`. */
async function home(hours: number, water: (t: number) => number, opensAt: (t: number) => boolean, dir = tempDir()) {
  const h = ruleHarness(dir, { devices: [WATER_METER, DOOR] });
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

describe('corroboration: one quiet sensor while another shows life is a call to check, not a dispatch (issue 14)', () => {
  test('a stay-in day: the door unused for 24 h while water is drawn every hour is "no door activity" at P4, naming the meter', async () => {
    const h = await home(25, (t) => 100 + Math.floor((t - T0) / HOUR) * 2, (t) => t === T0 + 10 * MINUTE);
    const [door] = raised(h, 'no-door-activity');
    expect(door).toMatchObject({ grade: 'P4', details: { otherLifeDevice: 'wm-101' } });
    expect(door!.summary).toMatch(/other sign of life: wm-101/);
    h.close();
  });

  test('both quiet: "no door activity" keeps its P2, and the welfare check is P1', async () => {
    const h = await home(25, () => 100, (t) => t === T0 + 10 * MINUTE);
    expect(raised(h, 'no-door-activity').map((a) => a.grade)).toEqual(['P2']);
    expect(raised(h, 'welfare-check').map((a) => a.grade)).toEqual(['P1']);
    h.close();
  });

  test('life that stopped long before the raise does not count: water last drawn 20 h before is no corroboration', async () => {
    const h = await home(25, (t) => (t < T0 + 5 * HOUR ? 100 + Math.floor((t - T0) / HOUR) * 2 : 110), (t) => t === T0 + 10 * MINUTE);
    expect(raised(h, 'no-door-activity').map((a) => a.grade)).toEqual(['P2']);
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
