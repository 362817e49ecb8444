import { describe, expect, test } from 'vitest';
import { evaluateNoChange, noChangeRuleSchema } from '../../../../gateway/rules/kinds/no-change.js';
import { drive, every, type Feed } from '../../../support/rules/evaluator-driver.js';
import { HOUR, T0 } from '../../../support/rules/rule-harness.js';

const rule = noChangeRuleSchema.parse({ id: 'no-door-activity', kind: 'no-change', title: 'no door activity', metric: 'contact_closed', window: '24h', grade: 'P2' });
const door = { deviceId: 'door-1', householdId: 'hh-1', heartbeatMs: HOUR };

describe('no door activity in 24 h', () => {
  test('a door that stays closed, reported every hour, raises at 24 h exactly (on the tick) and once', () => {
    const feed: Feed[] = [...every(T0, T0 + 30 * HOUR, HOUR, 'contact_closed', () => 1), { tick: T0 + 24 * HOUR }];
    feed.sort((a, b) => ('tick' in a ? a.tick : a.at) - ('tick' in b ? b.tick : b.at) || ('tick' in a ? -1 : 1));
    const r = drive(evaluateNoChange, rule, feed, door);
    expect(r.edges.map((e) => [e.kind, e.at])).toEqual([['raise', T0 + 24 * HOUR]]);
  });

  test('opening the door resets the window, and clears an open alert', () => {
    const feed: Feed[] = [
      ...every(T0, T0 + 20 * HOUR, HOUR, 'contact_closed', () => 1),
      { at: T0 + 20 * HOUR + 60_000, metrics: { contact_closed: 0 } },
      { at: T0 + 20 * HOUR + 90_000, metrics: { contact_closed: 1 } },
      ...every(T0 + 21 * HOUR, T0 + 48 * HOUR, HOUR, 'contact_closed', () => 1),
      { at: T0 + 48 * HOUR + 1, metrics: { contact_closed: 0 } },
    ];
    const r = drive(evaluateNoChange, rule, feed, door);
    expect(r.edges.map((e) => [e.kind, e.at])).toEqual([
      ['raise', T0 + 45 * HOUR],
      ['clear', T0 + 48 * HOUR + 1],
    ]);
  });

  test('a contact that went silent does not raise on the tick: that is "device silent"', () => {
    const r = drive(evaluateNoChange, rule, [{ at: T0, metrics: { contact_closed: 1 } }, { tick: T0 + 24 * HOUR }], door);
    expect(r.edges).toEqual([]);
  });
});
