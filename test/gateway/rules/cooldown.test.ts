import { describe, expect, test } from 'vitest';
import { DEFAULT_RULES } from '../../../gateway/rules/defaults.js';
import { ruleSchema } from '../../../gateway/rules/schema.js';
import { MINUTE, T0, WATER_METER, ruleHarness } from '../../support/rule-harness.js';
import { tempDir } from '../../support/temp-dir.js';

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

  test('the last clear is remembered across a restart', () => {
    const dir = tempDir();
    let h = ruleHarness(dir, { rules });
    h.engine.process({ deviceId: 'wm-101', at: T0, metrics: { battery_pct: 10 } }, WATER_METER);
    h.engine.process({ deviceId: 'wm-101', at: T0 + MINUTE, metrics: { battery_pct: 30 } }, WATER_METER);
    h.close();
    h = ruleHarness(dir, { rules, startedAt: T0 + 2 * MINUTE });
    expect(h.engine.process({ deviceId: 'wm-101', at: T0 + 3 * MINUTE, metrics: { battery_pct: 10 } }, WATER_METER)).toEqual([]);
    h.close();
  });

  test('SOS and fall cannot have a cooldown: every press goes', () => {
    const sos = DEFAULT_RULES.find((r) => r.id === 'sos')!;
    expect(() => ruleSchema.parse({ ...sos, cooldown: '10m' })).toThrow(/cooldown/);
  });
});
