import { describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { DEFAULT_RULES } from '../../../../gateway/rules/book/defaults.js';
import type { RuleConfig } from '../../../../gateway/rules/kinds/registry.js';
import { buildRuleBook } from '../../../../gateway/rules/book/rule-book.js';
import { HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const HOURLY_METER = { ...WATER_METER, heartbeatMs: HOUR };
const pending = (h: ReturnType<typeof ruleHarness>) => h.outbox.peek(100).map((e) => e.alert);

describe('the rule engine', () => {
  test('a window that closes between readings fires at that moment, on the clock', async () => {
    const h = ruleHarness(tempDir(), { devices: [HOURLY_METER] });
    // Hourly readings; 30 L used at 00:20 (between readings), then nothing.
    for (let t = T0; t <= T0 + 23 * HOUR; t += HOUR) {
      await h.clock.advanceTo(t);
      h.water(t, t === T0 ? 100 : 130, HOURLY_METER);
    }
    await h.clock.advanceTo(T0 + 25 * HOUR + 10 * MINUTE);
    // The use was seen at the 01:00 reading: 24 h later, to the millisecond, without a reading.
    const raised = pending(h).filter((a) => a.rule === 'no-water-use');
    expect(raised.map((a) => Date.parse(a.at))).toEqual([T0 + 25 * HOUR]);
    h.close();
  });

  test('a window that closed while the gateway was down fires when it starts again', async () => {
    const dir = tempDir();
    const h = ruleHarness(dir);
    for (let t = T0; t <= T0 + 20 * HOUR; t += 15 * MINUTE) h.water(t, 100);
    h.close();
    const clock = new VirtualClock(T0 + 26 * HOUR);
    const again = ruleHarness(dir, { startedAt: T0 + 26 * HOUR, clock });
    await clock.advance(1);
    expect(pending(again).map((a) => [a.rule, Date.parse(a.at)])).toEqual([['no-water-use', T0 + 26 * HOUR]]);
    again.close();
  });

  test('replacing the rules keeps the state of an unchanged rule and restarts a changed one', async () => {
    // A kind whose state holds what the rule's figures made of the readings (counter-idle keeps only
    // the use that reaches its threshold): a changed rule must start again.
    const rules = DEFAULT_RULES.map((r): RuleConfig => (r.id === 'no-water-use' ? { id: 'no-water-use', kind: 'counter-idle', title: 'no water use', metric: 'volume_l', window: '24h', minIncrease: 10, grade: 'P2' } : r));
    const h = ruleHarness(tempDir(), { rules });
    for (let t = T0; t <= T0 + 12 * HOUR; t += 15 * MINUTE) h.water(t, 100);
    // Same no-water-use rule, a changed battery rule.
    h.engine.replaceRules(buildRuleBook(rules.map((r) => (r.id === 'low-battery' ? { ...r, below: 20 } : r))));
    for (let t = T0 + 12 * HOUR + 15 * MINUTE; t <= T0 + 25 * HOUR; t += 15 * MINUTE) h.water(t, 100);
    expect(h.alerts.map((a) => [a.rule, Date.parse(a.at)])).toEqual([['no-water-use', T0 + 24 * HOUR]]);

    // A changed no-water-use rule (12 h for an elder of 80+ living alone) starts its window again.
    h.engine.replaceRules(buildRuleBook(rules.map((r) => (r.id === 'no-water-use' ? { ...r, window: '12h' } : r))));
    for (let t = T0 + 25 * HOUR + 15 * MINUTE; t <= T0 + 38 * HOUR; t += 15 * MINUTE) h.water(t, 100);
    expect(h.alerts.map((a) => [a.rule, Date.parse(a.at)])).toEqual([
      ['no-water-use', T0 + 24 * HOUR],
      ['no-water-use', T0 + 25 * HOUR + 15 * MINUTE + 12 * HOUR],
    ]);
    h.close();
  });

  test('SOS from a wristband and silence of a meter go through one engine with the whole catalogue', async () => {
    const band = { deviceId: 'band-1', householdId: 'hh-101', heartbeatMs: 5 * MINUTE };
    const h = ruleHarness(tempDir(), { devices: [WATER_METER, band] });
    h.water(T0, 100);
    h.engine.process({ deviceId: 'band-1', at: T0 + MINUTE, metrics: { heart_rate_bpm: 75, battery_pct: 60 }, events: ['sos'] }, band);
    await h.clock.advanceTo(T0 + HOUR);
    expect(pending(h).map((a) => [a.rule, a.deviceId, a.grade, Date.parse(a.at)])).toEqual([
      ['sos', 'band-1', 'P1', T0 + MINUTE],
      ['device-silent', 'band-1', 'P4', T0 + 11 * MINUTE + 1],
      ['device-silent', 'wm-101', 'P4', T0 + 30 * MINUTE + 1],
    ]);
    h.close();
  });

  test('a meter already silent is still reported after its rule changed at run time', async () => {
    const h = ruleHarness(tempDir());
    h.water(T0, 100);
    await h.clock.advanceTo(T0 + 20 * MINUTE);
    h.engine.replaceRules(buildRuleBook(DEFAULT_RULES.map((r) => (r.id === 'device-silent' ? { ...r, grade: 'P3' as const } : r))));
    await h.clock.advanceTo(T0 + HOUR);
    expect(pending(h).map((a) => [a.rule, a.grade, Date.parse(a.at)])).toEqual([['device-silent', 'P3', T0 + 30 * MINUTE + 1]]);
    h.close();
  });
  test('a device that never reported is silent, counted from when the gateway started with it configured', async () => {
    const band = { deviceId: 'band-1', householdId: 'hh-101', heartbeatMs: 5 * MINUTE };
    const h = ruleHarness(tempDir(), { devices: [WATER_METER, band] });
    // The meter reports; the band was installed dead and never sends a frame.
    for (let t = T0; t <= T0 + HOUR; t += 15 * MINUTE) {
      await h.clock.advanceTo(t);
      h.water(t, 100);
    }
    const silent = pending(h).filter((a) => a.rule === 'device-silent');
    expect(silent.map((a) => [a.deviceId, Date.parse(a.at), a.details['neverReported']])).toEqual([['band-1', T0 + 10 * MINUTE + 1, true]]);
    expect(silent[0]!.summary).toContain('never reported');
    h.close();
  });

  test('a never-seen device keeps its start of silence across a restart, and its first reading clears it', async () => {
    const dir = tempDir();
    const band = { deviceId: 'band-1', householdId: 'hh-101', heartbeatMs: 5 * MINUTE };
    const h = ruleHarness(dir, { devices: [WATER_METER, band] });
    await h.clock.advanceTo(T0 + 4 * MINUTE);
    h.water(T0 + 4 * MINUTE, 100);
    h.close();
    // Back 2 minutes later: the down time is not silence, the 4 minutes before it are.
    const clock = new VirtualClock(T0 + 6 * MINUTE);
    const again = ruleHarness(dir, { startedAt: T0 + 6 * MINUTE, clock, devices: [WATER_METER, band] });
    await clock.advanceTo(T0 + 30 * MINUTE);
    const raised = pending(again).filter((a) => a.rule === 'device-silent');
    expect(raised.map((a) => [a.deviceId, a.kind, Date.parse(a.at)])).toEqual([['band-1', 'raise', T0 + 12 * MINUTE + 1]]);
    again.engine.process({ deviceId: 'band-1', at: T0 + 31 * MINUTE, metrics: { heart_rate_bpm: 70 }, events: [] }, band);
    const cleared = pending(again).filter((a) => a.rule === 'device-silent' && a.kind === 'clear');
    expect(cleared.map((a) => [a.deviceId, a.summary.includes('for the first time')])).toEqual([['band-1', true]]);
    again.close();
  });
});
