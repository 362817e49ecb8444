import { describe, expect, test } from 'vitest';
import type { DeviceContext } from '../../../../contract/device-context.js';
import { HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { householdSchema } from '../../../../gateway/rules/book/rule-book.js';

const DOOR: DeviceContext = { deviceId: 'door-101', householdId: 'hh-101', heartbeatMs: HOUR };
const BAND: DeviceContext = { deviceId: 'band-101', householdId: 'hh-101', heartbeatMs: 5 * MINUTE, homeRangeOnly: true };
const ELDER_80 = { id: 'hh-101', tags: ['living-alone', 'aged-80-plus'] };

interface Life {
  /** Litres on the meter at t. */
  water: (t: number) => number;
  /** The door opens (and closes a second later) at t. */
  door: (t: number) => boolean;
  /** The band is heard at t. */
  band?: (t: number) => boolean;
}

/** A home of an 80+ elder living alone: meter every 15 min, door heartbeat every 50 min, band every 5 min while heard. */
async function live(hours: number, life: Life, household: unknown = ELDER_80) {
  const devices = life.band ? [WATER_METER, DOOR, BAND] : [WATER_METER, DOOR];
  const h = ruleHarness(tempDir(), { devices, households: [householdSchema.parse(household)] });
  for (let t = T0; t <= T0 + hours * HOUR; t += 5 * MINUTE) {
    await h.clock.advanceTo(t);
    if ((t - T0) % (15 * MINUTE) === 0) h.water(t, life.water(t));
    if (life.door(t)) {
      h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 0 } }, DOOR);
      h.engine.process({ deviceId: DOOR.deviceId, at: t + 1000, metrics: { contact_closed: 1 } }, DOOR);
    } else if ((t - T0) % (50 * MINUTE) === 0) h.engine.process({ deviceId: DOOR.deviceId, at: t, metrics: { contact_closed: 1 } }, DOOR);
    if (life.band?.(t)) h.engine.process({ deviceId: BAND.deviceId, at: t, metrics: { heart_rate_bpm: 72 } }, BAND);
  }
  const alerts = h.outbox.peek(100).map((e) => e.alert);
  h.close();
  return alerts.filter((a) => a.kind === 'raise').map((a) => [a.rule, a.grade, Date.parse(a.at) - T0] as const);
}

/** Water drawn every hour until `until` (hours), then nothing. */
const drawsUntil = (until: number) => (t: number) => 100 + Math.min(Math.floor((t - T0) / HOUR), until) * 2;

describe('a home known to be empty: "inside and still" needs her inside (issue 14)', () => {
  test('her band falls silent as she leaves at 08:10 on a 13 h day out: no call at her fixed 12 h, no welfare check, nothing raised', async () => {
    const out = (t: number) => t > T0 + 8 * HOUR + 10 * MINUTE && t < T0 + 21 * HOUR + 10 * MINUTE;
    const raised = await live(23, {
      water: (t) => (t < T0 + 21 * HOUR + 30 * MINUTE ? drawsUntil(8)(t) : 200),
      door: (t) => t === T0 + 8 * HOUR + 10 * MINUTE || t === T0 + 21 * HOUR + 10 * MINUTE,
      band: (t) => !out(t),
    });
    expect(raised).toEqual([]);
  });

  test('the same day with no band to say she is out: the call to check comes at 12 h after the door (it may be her coming home and falling)', async () => {
    const raised = await live(23, {
      water: (t) => (t < T0 + 21 * HOUR + 30 * MINUTE ? drawsUntil(8)(t) : 200),
      door: (t) => t === T0 + 8 * HOUR + 10 * MINUTE || t === T0 + 21 * HOUR + 10 * MINUTE,
    });
    expect(raised).toEqual([['no-water-use', 'P4', 20 * HOUR + 10 * MINUTE + 1000]]);
  });

  test('her band silent since the door and not back for days: one call to check at 24 h, never a P1 or P2', async () => {
    const raised = await live(60, {
      water: drawsUntil(8),
      door: (t) => t === T0 + 8 * HOUR + 10 * MINUTE,
      band: (t) => t <= T0 + 8 * HOUR + 10 * MINUTE,
    });
    expect(raised).toEqual([['no-water-use', 'P4', 32 * HOUR + 10 * MINUTE + 1000]]);
  });

  test('an absence reported until 20:00 that she overruns: not back (the door unused since she left), one call to check 24 h after it ended, no welfare check', async () => {
    const household = { ...ELDER_80, away: { from: new Date(T0 + 8 * HOUR).toISOString(), until: new Date(T0 + 20 * HOUR).toISOString() } };
    const raised = await live(50, { water: drawsUntil(8), door: (t) => t === T0 + 8 * HOUR + 10 * MINUTE }, household);
    expect(raised).toEqual([['no-water-use', 'P4', 44 * HOUR]]);
  });

  test('back from that absence (the door used, then nothing drawn): the P1 welfare check and the call to check come as for anyone at home', async () => {
    const household = { ...ELDER_80, away: { from: new Date(T0 + 8 * HOUR).toISOString(), until: new Date(T0 + 20 * HOUR).toISOString() } };
    const raised = await live(50, { water: drawsUntil(8), door: (t) => t === T0 + 8 * HOUR + 10 * MINUTE || t === T0 + 19 * HOUR }, household);
    // Her 12 h and the welfare check's 24 h count from the absence's end (20:00).
    expect(raised.map(([rule, grade, at]) => [rule, grade, at / HOUR]).sort((a, b) => Number(a[2]) - Number(b[2]))).toEqual([
      ['no-water-use', 'P4', 32],
      ['welfare-check', 'P1', 44],
    ]);
  });
});
