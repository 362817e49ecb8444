import { afterEach, describe, expect, test } from 'vitest';
import { DAY, HOUR, MINUTE, T0, WATER_METER, ruleHarness, type RuleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { householdSchema } from '../../../../gateway/rules/book/rule-book.js';
import { DEFAULT_RULES } from '../../../../gateway/rules/book/defaults.js';
import { usualQuietLimit } from '../../../../gateway/rules/measures/quiet-spells.js';
import type { RuleConfig } from '../../../../gateway/rules/kinds/registry.js';

const INTERVAL = 15 * MINUTE;
const ELDER_80 = householdSchema.parse({ id: WATER_METER.householdId, tags: ['living-alone', 'aged-80-plus'] });
const ONLY_WATER = DEFAULT_RULES.filter((r) => r.id === 'no-water-use');

/** Draws in litres by local time of day (hours since midnight) for one day; the same every day unless `until`. */
type Day = Array<[hour: number, litres: number]>;

/** Feeds a meter reading every 15 min from `from` to `to`, with `draws(dayIndex)` drawn in the interval ending at each reading. */
function feed(h: RuleHarness, from: number, to: number, draws: (day: number) => Day, start = 1_000): number {
  let volume = start;
  for (let t = from; t <= to; t += INTERVAL) {
    const day = Math.floor((t - T0) / DAY);
    const minute = ((t - T0) % DAY) / MINUTE;
    for (const [hour, litres] of draws(day)) if (Math.round(hour * 60) > minute - 15 && Math.round(hour * 60) <= minute) volume += litres;
    h.water(t, Math.round(volume * 10) / 10);
  }
  return volume;
}

const raises = (h: RuleHarness) => h.alerts.filter((a) => a.kind === 'raise');

/** An elder of 80+ living alone who washes at 07:00 and 20:00 and flushes at 10:00, 12:30, 15:00 and 17:30: 4 h is her longest day spell. */
const regular: Day = [
  [7, 20],
  [10, 6],
  [12.5, 8],
  [15, 6],
  [17.5, 10],
  [20, 25],
];

let h: RuleHarness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

describe('no water use judged by quiet spells (the default rule)', () => {
  test('a low water user (24 L a day in four flushes) raises nothing in 14 days, where "less than 10 L in 12 h" raises almost every day', () => {
    const lowUser: Day = [
      [7.5, 6],
      [12, 6],
      [16.5, 6],
      [20.5, 6],
    ];
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80] });
    feed(h, T0, T0 + 14 * DAY, () => lowUser);
    expect(h.alerts).toEqual([]);
    h.close();

    // The pilots' figure as it was written, on the same water: the test can fail.
    const fixed: RuleConfig = { id: 'no-water-use', kind: 'counter-idle', title: 'no water use', metric: 'volume_l', window: '24h', minIncrease: 10, grade: 'P2' };
    h = ruleHarness(tempDir(), { rules: [fixed], households: [ELDER_80] });
    feed(h, T0, T0 + 14 * DAY, () => lowUser);
    expect(raises(h).length).toBeGreaterThanOrEqual(10);
  });

  test('in its first 7 days the fixed window applies: 12 h after her last draw for an elder of 80+ living alone', () => {
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80] });
    // Day 2: she washes at 07:00 and then nothing.
    feed(h, T0, T0 + 3 * DAY, (day) => (day < 2 ? regular : day === 2 ? [[7, 20]] : []));
    const lastDraw = T0 + 2 * DAY + 7 * HOUR;
    expect(raises(h).map((a) => Date.parse(a.at))).toEqual([lastDraw + 12 * HOUR]);
    expect(raises(h)[0]!.details).toMatchObject({ learned: false, limit: '12.0 h' });
  });

  test('on the meter alone (no door or band in the home to say she is in), a learned limit waits for the fixed 12 h: a call to check then, the P2 at 24 h', () => {
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80] });
    // Day 9: the 10:00 flush and then nothing. Her afternoons are quiet 2.5 h at most: a learned
    // limit of 5 h, but a meter alone cannot tell a day out from a day down.
    feed(h, T0, T0 + 11 * DAY, (day) => (day < 9 ? regular : day === 9 ? regular.filter(([hour]) => hour <= 10) : []));
    const lastDraw = T0 + 9 * DAY + 10 * HOUR;
    const [raise, again, ...more] = raises(h);
    expect(more).toEqual([]);
    expect([raise!.grade, Date.parse(raise!.at)]).toEqual(['P4', lastDraw + 12 * HOUR]);
    expect(raise!.details).toMatchObject({ learned: true, longestUsual: '2.5 h', limit: '5.0 h' });
    expect(raise!.summary).toContain('quiet for less than 24h: call to check, raised again at P2');
    expect([again!.grade, Date.parse(again!.at), again!.details.escalated]).toEqual(['P2', lastDraw + 24 * HOUR, true]);
  });

  test('a call to check on the meter alone is not raised again while the meter is silent ("device silent" says that)', async () => {
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80] });
    const lastDraw = T0 + 9 * DAY + 10 * HOUR;
    feed(h, T0, lastDraw + 12 * HOUR, (day) => (day < 9 ? regular : regular.filter(([hour]) => hour <= 10)));
    expect(raises(h).map((a) => a.grade)).toEqual(['P4']);
    // The meter's last reading is the one at 22:00; the clock runs on past the 24 h dispatch.
    await h.clock.advanceTo(lastDraw + 26 * HOUR);
    expect(raises(h).map((a) => a.grade)).toEqual(['P4']);
    expect(h.outbox.peek(10).map((e) => e.alert.grade)).toEqual(['P4']);
  });

  /**
   * A home with a door contact: she goes out and back every morning at 08:00 (so a door is known),
   * keeps her regular days, and on day 9 draws nothing after the 10:00 flush; `leavesAt` on day 9.
   */
  function homeWithDoor(leavesAt?: number): void {
    const door = { deviceId: 'door-101', householdId: WATER_METER.householdId, heartbeatMs: HOUR };
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80], devices: [WATER_METER, door] });
    for (let day = 0; day < 10; day++) {
      h.engine.process({ deviceId: door.deviceId, at: T0 + day * DAY + 8 * HOUR, metrics: { contact_closed: 0 } }, door);
      h.engine.process({ deviceId: door.deviceId, at: T0 + day * DAY + 8 * HOUR + MINUTE, metrics: { contact_closed: 1 } }, door);
      if (day === 9 && leavesAt !== undefined) h.engine.process({ deviceId: door.deviceId, at: leavesAt, metrics: { contact_closed: 0 } }, door);
      feed(h, T0 + day * DAY, T0 + (day + 1) * DAY - INTERVAL, () => (day < 9 ? regular : regular.filter(([hour]) => hour <= 10)), 1_000 + day * 75);
    }
  }

  test('with a door in the home that stayed shut since her last draw, the learned limit (twice her longest afternoon) is raised at once, as a call to check: the welfare check dispatches in a home with a door', () => {
    homeWithDoor();
    const [raise, ...more] = raises(h!);
    expect(more).toEqual([]);
    expect([raise!.grade, Date.parse(raise!.at)]).toEqual(['P4', T0 + 9 * DAY + 15 * HOUR]);
    expect(raise!.details).toMatchObject({ learned: true, longestUsual: '2.5 h', limit: '5.0 h' });
    expect(raise!.summary).toContain('a home with a door contact: the welfare check dispatches');
  });

  test('the door used after her last draw: she may be out, so the learned limit waits for the fixed window, counted from the door', () => {
    // Day 9: the 10:00 flush, then she leaves at 10:05.
    homeWithDoor(T0 + 9 * DAY + 10 * HOUR + 5 * MINUTE);
    // 12 h after the door is 22:05; this harness's clock moves with the readings: the one at 22:15 raises.
    expect(raises(h!).map((a) => [a.grade, Date.parse(a.at)])).toEqual([['P4', T0 + 9 * DAY + 22 * HOUR + 15 * MINUTE]]);
  });

  test('her nights (20:00 to 07:00, 11 h) are hers: none raises; a night past the fixed 12 h is a call to check, and the P2 once beyond her usual and 24 h', () => {
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80] });
    // 14 regular days, then on day 14 the evening wash is her last draw.
    feed(h, T0, T0 + 16 * DAY, (day) => (day <= 14 ? regular : []));
    const lastDraw = T0 + 14 * DAY + 20 * HOUR;
    const [atWindow, beyond, ...more] = raises(h);
    expect(more).toEqual([]);
    // The fixed 12 h (08:00) is never passed over, but a night that long is her habit: P4.
    expect([atWindow!.grade, Date.parse(atWindow!.at)]).toEqual(['P4', lastDraw + 12 * HOUR]);
    expect(atWindow!.details).toMatchObject({ learned: true, limit: '12.0 h' });
    expect(atWindow!.summary).toContain("within this household's habit at this time of day");
    // Her nights end by 07:00 (two hours past that, the rule's `around`, is beyond her usual), and
    // a meter alone dispatches at 24 h: the rule's own P2 then.
    expect([beyond!.grade, Date.parse(beyond!.at), beyond!.details.escalated]).toEqual(['P2', lastDraw + 24 * HOUR, true]);
  });

  test('a dripping tap (0.2 L every 15 min) is not a draw: the spell goes on and is raised on time', () => {
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [ELDER_80] });
    let volume = 1_000;
    for (let t = T0; t <= T0 + DAY; t += INTERVAL) {
      volume += t === T0 + 7 * HOUR ? 20 : 0.2;
      h.water(t, Math.round(volume * 10) / 10);
    }
    expect(raises(h).map((a) => Date.parse(a.at))).toEqual([T0 + 19 * HOUR]);
  });

  test('a draw clears the alert, and her spells while reported away are not learned as habits', () => {
    const away = householdSchema.parse({
      id: WATER_METER.householdId,
      tags: ['living-alone', 'aged-80-plus'],
      away: { from: new Date(T0 + 3 * DAY).toISOString(), until: new Date(T0 + 6 * DAY).toISOString() },
    });
    const door = { deviceId: 'door-101', householdId: WATER_METER.householdId, heartbeatMs: HOUR };
    h = ruleHarness(tempDir(), { rules: ONLY_WATER, households: [away], devices: [WATER_METER, door] });
    // A door contact known in the home (used on day 0, shut since) says she is in: the learned limit applies.
    h.engine.process({ deviceId: door.deviceId, at: T0 + 8 * HOUR, metrics: { contact_closed: 0 } }, door);
    h.engine.process({ deviceId: door.deviceId, at: T0 + 8 * HOUR + MINUTE, metrics: { contact_closed: 1 } }, door);
    // Away from day 3 to day 6 (no water); back on day 6 at 07:00; day 9 she stops after the 10:00 flush.
    feed(h, T0, T0 + 9 * DAY + 15 * HOUR, (day) => (day >= 3 && day < 6 ? [] : day === 9 ? regular.filter(([hour]) => hour <= 10) : regular));
    const [raise, ...more] = raises(h);
    expect(more).toEqual([]);
    // Had the 3-day absence been learned, nothing would be raised before the fixed 12 h.
    expect(Date.parse(raise!.at)).toBe(T0 + 9 * DAY + 15 * HOUR);
    feed(h, T0 + 9 * DAY + 15 * HOUR + INTERVAL, T0 + 9 * DAY + 16 * HOUR, () => [[15.5, 6]], Number(raise!.details.counter));
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise', 'clear']);
  });
});

describe('usualQuietLimit', () => {
  const learning = { warmup: 7 * DAY, history: 14 * DAY, factor: 2, floor: 4 * HOUR, around: HOUR };
  const spell = (startHour: number, hours: number): [number, number, number] => [0, hours * HOUR, startHour * 60];

  test('a night cut in two by the toilet does not teach that nights are short; a morning with no water after it is news', () => {
    // 21:00-07:00 one night; 21:00-02:00 and 02:00-07:00 another.
    const spells = [spell(21, 10), spell(21, 5), spell(2, 5)];
    // From 21:30 the night is covered by a 10 h spell until 08:00 (07:00 and an hour): quiet past
    // that, a morning without water, alarms.
    expect(usualQuietLimit(spells, 21 * 60 + 30, learning, 24 * HOUR)).toEqual({ limit: 10.5 * HOUR, longestUsual: 0 });
    // Nights always cut in two (5 h each) still allow the whole night (twice 5 h): nothing before 07:30.
    expect(usualQuietLimit([spell(21, 5), spell(2, 5)], 21 * 60 + 30, learning, 24 * HOUR).limit).toBe(10 * HOUR);
  });

  test('within [floor, window]: nothing known is the floor, a habit ends an hour after it used to, the window caps it', () => {
    expect(usualQuietLimit([], 600, learning, 12 * HOUR).limit).toBe(4 * HOUR);
    // Quiet 09:00-20:00 was her habit: from 10:00, 21:00 is beyond it.
    expect(usualQuietLimit([spell(9, 11)], 600, learning, 24 * HOUR).limit).toBe(11 * HOUR);
    expect(usualQuietLimit([spell(9, 11)], 600, learning, 10 * HOUR).limit).toBe(10 * HOUR);
  });

  test('twice the longest: a 3 h habit at that time of day allows 6 h', () => {
    // Quiet 13:00-16:00 every day; a spell from 13:00 is covered (by 3 h) until 17:00.
    expect(usualQuietLimit([spell(13, 3)], 13 * 60, learning, 24 * HOUR).limit).toBe(4 * HOUR);
    // From 12:00: covered by the 3 h habit (from 12:00 to 17:00); 6 h reached at 18:00, past it anyway.
    expect(usualQuietLimit([spell(13, 3)], 12 * 60, learning, 24 * HOUR).limit).toBe(5 * HOUR);
  });
});
