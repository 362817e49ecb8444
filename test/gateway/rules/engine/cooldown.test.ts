import { describe, expect, test } from 'vitest';
import { DEFAULT_RULES } from '../../../../gateway/rules/book/defaults.js';
import { ruleSchema } from '../../../../gateway/rules/kinds/registry.js';
import { MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const rules = DEFAULT_RULES.map((r) => (r.id === 'low-battery' ? { ...r, cooldown: '1h' } : r));

describe('cooldown after a clear', () => {
  test('a battery flapping around the limit raises once, then again only after the cooldown; the held-back clear is not sent either', () => {
    const h = ruleHarness(tempDir(), { rules });
    const levels = [14, 21, 14, 21, 14, 21, 14];
    levels.forEach((level, i) => h.engine.process({ deviceId: 'wm-101', at: T0 + i * 20 * MINUTE, metrics: { battery_pct: level } }, WATER_METER));
    // 00:00 raise, 00:20 clear, 00:40 raise held back, 01:00 its clear held back, 01:20 raise (cooldown over), ...
    expect(h.outbox.peek(10).map(({ alert: a }) => [a.kind, (Date.parse(a.at) - T0) / MINUTE])).toEqual([
      ['raise', 0],
      ['clear', 20],
      ['raise', 80],
      ['clear', 100],
    ]);
    h.close();
  });

  test('a raise held by the cooldown goes out when the cooldown ends if its condition still holds', async () => {
    const band = { deviceId: 'band-1', householdId: 'hh-101', heartbeatMs: 5 * MINUTE };
    const h = ruleHarness(tempDir(), { rules: DEFAULT_RULES.map((r) => (r.id === 'heart-rate' ? { ...r, cooldown: '30m' } : r)), devices: [band] });
    // 42 bpm for 6 min, 72 for a while, then 38 bpm from minute 16 on, for hours.
    for (let m = 0; m <= 120; m++) {
      await h.clock.advanceTo(T0 + m * MINUTE);
      const hr = m <= 6 ? 42 : m < 16 ? 72 : 38;
      h.engine.process({ deviceId: 'band-1', at: h.clock.now(), metrics: { heart_rate_bpm: hr } }, band);
    }
    const sent = h.outbox.peek(10).map(({ alert: a }) => [a.rule, a.kind, (Date.parse(a.at) - T0) / MINUTE]);
    // raise at 5, clear at 7; the second raise (at 21) is held until 7 + 30 = 37, then sent.
    expect(sent).toEqual([
      ['heart-rate', 'raise', 5],
      ['heart-rate', 'clear', 7],
      ['heart-rate', 'raise', 21],
    ]);
    h.close();
  });

  test('a held raise survives a restart; its clear is not sent if the raise never was', () => {
    const dir = tempDir();
    let h = ruleHarness(dir, { rules });
    const battery = (at: number, pct: number) => h.engine.process({ deviceId: 'wm-101', at, metrics: { battery_pct: pct } }, WATER_METER);
    battery(T0, 10); // raise
    battery(T0 + MINUTE, 30); // clear
    battery(T0 + 2 * MINUTE, 10); // raise held until T0 + 61 min
    h.close();
    h = ruleHarness(dir, { rules, startedAt: T0 + 3 * MINUTE });
    battery(T0 + 4 * MINUTE, 30); // its clear: not sent either
    expect(h.outbox.peek(10).map(({ alert: a }) => [a.kind, (Date.parse(a.at) - T0) / MINUTE])).toEqual([
      ['raise', 0],
      ['clear', 1],
    ]);
    h.close();
  });

  test('SOS and fall cannot have a cooldown: every press goes', () => {
    const sos = DEFAULT_RULES.find((r) => r.id === 'sos')!;
    expect(() => ruleSchema.parse({ ...sos, cooldown: '10m' })).toThrow(/cooldown/);
  });
});
