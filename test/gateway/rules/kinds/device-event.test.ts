import { describe, expect, test } from 'vitest';
import { evaluateEvent, eventRuleSchema } from '../../../../gateway/rules/kinds/device-event.js';
import { drive } from '../../../support/rules/evaluator-driver.js';
import { T0 } from '../../../support/rules/rule-harness.js';

const sos = eventRuleSchema.parse({ id: 'sos', kind: 'event', title: 'SOS pressed', event: 'sos', grade: 'P1' });

describe('event: SOS and fall', () => {
  test('every press raises its own alert at once, and none clears', () => {
    const r = drive(evaluateEvent, sos, [
      { at: T0, events: ['sos'] },
      { at: T0 + 1_000, events: ['sos'] },
      { at: T0 + 2_000, metrics: { heart_rate_bpm: 80 } },
      { tick: T0 + 3_000 },
      { at: T0 + 60_000, events: ['fall', 'sos'] },
    ]);
    expect(r.edges.map((e) => [e.kind, e.episode])).toEqual([
      ['raise', T0],
      ['raise', T0 + 1_000],
      ['raise', T0 + 60_000],
    ]);
  });

  test('the same frame delivered twice (same time) is one press', () => {
    const r = drive(evaluateEvent, sos, [
      { at: T0, events: ['sos'] },
      { at: T0, events: ['sos'] },
    ]);
    expect(r.edges).toHaveLength(1);
  });

  test('a fall rule ignores SOS presses', () => {
    const fall = eventRuleSchema.parse({ id: 'fall', kind: 'event', title: 'fall detected', event: 'fall', grade: 'P1' });
    expect(drive(evaluateEvent, fall, [{ at: T0, events: ['sos'] }]).edges).toEqual([]);
  });
});
