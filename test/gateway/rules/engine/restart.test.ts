import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { DAY, HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const INTERVAL = 15 * MINUTE;

/** The meter's counter at t: 50 L at 08:00 each day until `stopsAt`. */
function volumeAt(t: number, stopsAt: number): number {
  let volume = 2_000;
  for (let use = T0 + 8 * HOUR; use <= t && use < stopsAt; use += DAY) volume += 50;
  return volume;
}

/** Readings every 15 min from `from` to `to`. */
function* readings(from: number, to: number, stopsAt: number): Generator<[number, number]> {
  for (let t = from; t <= to; t += INTERVAL) yield [t, volumeAt(t, stopsAt)];
}

describe('restarts', () => {
  const stopsAt = T0 + DAY + 9 * HOUR; // last use: day 1, 08:00
  const due = T0 + DAY + 8 * HOUR + 24 * HOUR;

  test('a gateway restarted mid-window still fires on time', () => {
    const dir = tempDir();
    let h = ruleHarness(dir);
    const restartAt = T0 + DAY + 20 * HOUR; // 12 h into the window
    for (const [t, v] of readings(T0, T0 + 4 * DAY, stopsAt)) {
      if (t === restartAt) {
        h.close();
        h = ruleHarness(dir, { startedAt: t });
      }
      h.water(t, v);
    }
    expect(h.alerts.map((a) => [a.kind, Date.parse(a.at)])).toEqual([['raise', due]]);
    h.close();
  });

  test('a gateway down for 20 minutes mid-window (no readings meanwhile) still fires on time', () => {
    const dir = tempDir();
    let h = ruleHarness(dir);
    const downFrom = T0 + DAY + 20 * HOUR;
    const upAt = downFrom + 20 * MINUTE;
    let restarted = false;
    for (const [t, v] of readings(T0, T0 + 4 * DAY, stopsAt)) {
      if (t >= downFrom && t < upAt) continue;
      if (t >= upAt && !restarted) {
        h.close();
        h = ruleHarness(dir, { startedAt: upAt });
        restarted = true;
      }
      h.water(t, v);
    }
    expect(h.alerts.map((a) => [a.kind, Date.parse(a.at)])).toEqual([['raise', due]]);
    h.close();
  });

  test('after a crash that lost unflushed state, the raised alert is neither lost nor raised twice', () => {
    const dir = tempDir();
    const h = ruleHarness(dir);
    const raisedIds: string[] = [];
    let crashedAt = 0;
    for (const [t, v] of readings(T0, T0 + 3 * DAY, stopsAt)) {
      raisedIds.push(...h.water(t, v).map((a) => a.id));
      if (raisedIds.length > 0) {
        crashedAt = t;
        break;
      }
    }
    h.db.close(); // no flush: as if the process was killed

    const after = ruleHarness(dir, { startedAt: crashedAt + INTERVAL });
    for (const [t, v] of readings(crashedAt + INTERVAL, T0 + 4 * DAY, stopsAt)) after.water(t, v);
    expect(after.alerts).toEqual([]);
    expect(after.outbox.peek(10).map((e) => e.alert.id)).toEqual(raisedIds);
    after.close();
  });
});

describe('restarts with a broken clock or a broken file', () => {
  test('a reboot with the clock in 1970 after an earlier downtime raises no false "device silent"', async () => {
    const meter = { ...WATER_METER, heartbeatMs: HOUR };
    const scenario = async (rebootAt: number) => {
      const dir = tempDir();
      let h = ruleHarness(dir, { devices: [meter] });
      for (let t = T0; t <= T0 + 9 * HOUR; t += HOUR) h.water(t, 100, meter);
      h.close(); // alive until 09:00, then down for 3 h
      h = ruleHarness(dir, { devices: [meter], startedAt: T0 + 12 * HOUR });
      h.close(); // a short run at 12:00 before the meter was heard
      const clock = new VirtualClock(rebootAt);
      h = ruleHarness(dir, { devices: [meter], startedAt: rebootAt, clock });
      await clock.advance(1);
      const raised = h.outbox.peek(10).map((e) => e.alert.rule);
      h.close();
      return raised;
    };
    expect(await scenario(T0 + 12 * HOUR + MINUTE)).toEqual([]); // the clock right: down 3 h, not silent
    expect(await scenario(5 * HOUR)).toEqual([]); // the same reboot with the clock in 1970
  });

  test('a corrupt rule state row is dropped with a warning; the gateway still starts', () => {
    const dir = tempDir();
    const h = ruleHarness(dir);
    h.water(T0, 100);
    h.close();
    const again = ruleHarness(dir);
    again.db.prepare("UPDATE rule_state SET state = '{\"lastValue\": 1' WHERE rule_id = 'no-water-use'").run();
    again.close();
    expect(() => ruleHarness(dir).close()).not.toThrow();
  });
});
