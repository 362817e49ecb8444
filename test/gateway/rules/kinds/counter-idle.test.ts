import { afterEach, describe, expect, test } from 'vitest';
import { DAY, HOUR, MINUTE, T0, WATER_METER, ruleHarness, type RuleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import type { RuleConfig } from '../../../../gateway/rules/kinds/registry.js';

const INTERVAL = 15 * MINUTE;

/**
 * The pilots' fixed figure as a counter-idle rule: a deployment that wants "less than 10 L in
 * 24 h" as written (the default no-water-use judges quiet spells, quiet-spell.test.ts).
 */
const LESS_THAN_10_L_IN_24_H: RuleConfig = { id: 'no-water-use', kind: 'counter-idle', title: 'no water use', metric: 'volume_l', window: '24h', minIncrease: 10, grade: 'P2' };
const WINDOW = 24 * HOUR;
const THRESHOLD = 10;

interface Sample {
  at: number;
  volume: number;
}

/** A meter reading every 15 min; `useAt(t)` is litres used in the interval ending at t. */
function series(from: number, to: number, startVolume: number, useAt: (t: number) => number): Sample[] {
  const out: Sample[] = [];
  let volume = startVolume;
  for (let t = from; t <= to; t += INTERVAL) {
    volume += useAt(t);
    out.push({ at: t, volume });
  }
  return out;
}

/**
 * The definition, computed the slow way: the first reading at which the last 24 h hold less
 * than 10 L of use and the meter has been reporting for the whole 24 h.
 */
function expectedFiring(samples: Sample[]): number | undefined {
  const first = samples[0]!.at;
  for (let i = 1; i < samples.length; i++) {
    const t = samples[i]!.at;
    if (t - first < WINDOW) continue;
    let used = 0;
    for (let j = 1; j <= i; j++) {
      if (samples[j]!.at > t - WINDOW) used += Math.max(0, samples[j]!.volume - samples[j - 1]!.volume);
    }
    if (used < THRESHOLD) return t;
  }
  return undefined;
}

/** Morning and evening use, every day, until `stopsAt`. */
function routine(stopsAt = Number.POSITIVE_INFINITY) {
  return (t: number) => {
    if (t >= stopsAt) return 0;
    const minuteOfDay = ((t - T0) % DAY) / MINUTE;
    if (minuteOfDay === 7 * 60 + 15) return 40;
    if (minuteOfDay === 12 * 60) return 6;
    if (minuteOfDay === 19 * 60 + 30) return 55;
    return 0;
  };
}

let h: RuleHarness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

describe('counter-idle: less than 10 L in 24 h', () => {
  test('fires exactly once, at the first reading after 24 h without use, and not before', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    const samples = series(T0, T0 + 5 * DAY, 1000, routine(T0 + DAY + 10 * HOUR));
    const firingsAt: number[] = [];
    for (const s of samples) if (h.water(s.at, s.volume).some((a) => a.kind === 'raise')) firingsAt.push(s.at);

    const expected = expectedFiring(samples)!;
    expect(firingsAt).toEqual([expected]);
    // The water stopped at 10:00 on day 1, after the morning wash at 07:15: 24 h after that wash,
    // within one reading interval.
    const lastUse = T0 + DAY + 7.25 * HOUR;
    expect(expected).toBeGreaterThanOrEqual(lastUse + WINDOW);
    expect(expected).toBeLessThanOrEqual(lastUse + WINDOW + INTERVAL);
  });

  test('a normal routine never fires', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    for (const s of series(T0, T0 + 7 * DAY, 0, routine())) h.water(s.at, s.volume);
    expect(h.alerts).toEqual([]);
  });

  test('9 L a day is below the threshold and raises once, never clearing; 12 L a day never raises', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    const low = { ...WATER_METER, deviceId: 'wm-low' };
    const ok = { ...WATER_METER, deviceId: 'wm-ok' };
    const daily = (litres: number) => (t: number) => (((t - T0) % DAY) / MINUTE === 8 * 60 ? litres : 0);
    const lowSamples = series(T0, T0 + 3 * DAY, 0, daily(9));
    for (const s of lowSamples) h.water(s.at, s.volume, low);
    for (const s of series(T0, T0 + 3 * DAY, 0, daily(12))) h.water(s.at, s.volume, ok);
    expect(h.alerts.map((a) => [a.deviceId, a.kind])).toEqual([['wm-low', 'raise']]);
    expect(Date.parse(h.alerts[0]!.at)).toBe(expectedFiring(lowSamples));
  });

  test('a meter that went silent for an hour must be seen for a whole new window first', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    // No use at all from the start; the meter is silent from 06:00 to 07:00 on day 1.
    const samples = series(T0, T0 + 3 * DAY, 500, () => 0).filter((s) => !(s.at > T0 + 6 * HOUR && s.at < T0 + 7 * HOUR));
    for (const s of samples) h.water(s.at, s.volume);
    expect(h.alerts).toHaveLength(1);
    expect(Date.parse(h.alerts[0]!.at)).toBe(T0 + 7 * HOUR + WINDOW);
  });

  test('a counter reset (meter replaced) is not mistaken for use, nor for no use', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    const before = series(T0, T0 + 10 * HOUR, 80_000, routine());
    const after = series(T0 + 10 * HOUR + INTERVAL, T0 + 3 * DAY, 0, routine(T0 + DAY));
    for (const s of [...before, ...after]) h.water(s.at, s.volume);
    expect(h.alerts).toHaveLength(1);
    const lastUse = T0 + 19.5 * HOUR; // day 0 evening; day 1 has no use
    expect(Date.parse(h.alerts[0]!.at)).toBeGreaterThanOrEqual(lastUse + WINDOW);
    expect(Date.parse(h.alerts[0]!.at)).toBeLessThanOrEqual(lastUse + WINDOW + INTERVAL);
  });

  test('use after the alert clears it, and a second stop is a new episode with a new id', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    const noUse = series(T0, T0 + DAY + HOUR, 100, () => 0);
    for (const s of noUse) h.water(s.at, s.volume);
    const t1 = T0 + DAY + HOUR + INTERVAL;
    h.water(t1, 104); // 4 L: the window still holds less than 10 L
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise']);
    const t = t1 + INTERVAL;
    h.water(t, 112); // 12 L within the window now
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise', 'clear']);
    for (const s of series(t + INTERVAL, t + 2 * DAY, 112, () => 0)) h.water(s.at, s.volume);
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise', 'clear', 'raise']);
    const [first, clear, second] = h.alerts;
    expect(clear!.id).toBe(first!.id.replace(/:raise$/, ':clear'));
    expect(second!.id).not.toBe(first!.id);
    // 10 L were last reached with the 4 L at t1: 24 h after that, the window holds only 8 L.
    expect(Date.parse(second!.at)).toBe(t1 + WINDOW);
  });

  test('every alert is in the outbox, committed with the state that raised it', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    for (const s of series(T0, T0 + 2 * DAY, 0, () => 0)) h.water(s.at, s.volume);
    const queued = h.outbox.peek(10).map((e) => e.alert);
    expect(queued).toEqual(h.alerts);
    expect(queued[0]).toMatchObject({ gatewayId: 'gw-test', householdId: 'hh-101', deviceId: 'wm-101', rule: 'no-water-use', grade: 'P2' });
    const stored = h.db.prepare("SELECT state FROM rule_state WHERE rule_id = 'no-water-use'").get() as { state: string };
    expect(JSON.parse(stored.state).openEpisode).not.toBeNull();
  });

  test('a counter that dips by 0.1 L does not clear an open alert, nor count as use', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    for (const s of series(T0, T0 + DAY + HOUR, 12_345.6, () => 0)) h.water(s.at, s.volume);
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise']);
    h.water(T0 + DAY + 2 * HOUR, 12_345.5);
    h.water(T0 + DAY + 2 * HOUR + INTERVAL, 12_345.5);
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise']);
  });

  test('a glitch (one absurd reading, then normal again) is not use: the alert still comes on time', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    const samples = series(T0, T0 + 2 * DAY, 500, () => 0);
    for (const s of samples) h.water(s.at, s.at === T0 + 10 * HOUR ? 1e9 : s.volume);
    expect(h.alerts.map((a) => [a.kind, Date.parse(a.at)])).toEqual([['raise', T0 + DAY]]);
  });

  test('a replaced meter starting at 5000 L is a new baseline, not 5000 L of use', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    for (const s of series(T0, T0 + 10 * HOUR, 80_000, () => 0)) h.water(s.at, s.volume);
    for (const s of series(T0 + 10 * HOUR + INTERVAL, T0 + 2 * DAY, 5_000, () => 0)) h.water(s.at, s.volume);
    expect(h.alerts.map((a) => [a.kind, Date.parse(a.at)])).toEqual([['raise', T0 + DAY]]);
  });

  test('exactly 10 L in decimal steps is 10 L, not 9.999999999999998', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    // 6.4 -> 16.4 is 10 L; in binary floating point 16.4 - 6.4 < 10.
    const samples = series(T0, T0 + 2 * DAY, 6.4, (t) => (t === T0 + 12 * HOUR ? 10 : 0));
    for (const s of samples) h.water(s.at, Math.round(s.volume * 10) / 10);
    expect(Date.parse(h.alerts[0]!.at)).toBe(T0 + 12 * HOUR + WINDOW);
  });

  test('when the commit of an alert fails, the next reading raises it: nothing is lost in memory', () => {
    h = ruleHarness(tempDir(), { rules: [LESS_THAN_10_L_IN_24_H] });
    const samples = series(T0, T0 + 2 * DAY, 100, () => 0);
    h.db.exec("CREATE TRIGGER disk_full BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    let failedAt = 0;
    let i = 0;
    for (; i < samples.length; i++) {
      try {
        h.water(samples[i]!.at, samples[i]!.volume);
      } catch (err) {
        expect((err as Error).message).toMatch(/disk full/);
        failedAt = samples[i]!.at;
        break;
      }
    }
    expect(failedAt).toBe(T0 + DAY);
    h.db.exec('DROP TRIGGER disk_full');
    h.states.flush(failedAt); // the periodic flush must not write the alert's state either
    h.water(samples[i + 1]!.at, samples[i + 1]!.volume);
    expect(h.alerts.map((a) => a.kind)).toEqual(['raise']);
    expect(h.outbox.counts().pending).toBe(1);
  });
});
