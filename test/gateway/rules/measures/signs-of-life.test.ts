import { describe, expect, test } from 'vitest';
import { wentOutSince } from '../../../../gateway/rules/measures/signs-of-life.js';
import type { HouseholdContext } from '../../../../gateway/rules/kinds/kind-api.js';

const MINUTE = 60_000;
const T = Date.parse('2026-11-23T10:00:00+08:00');
const SLACK = 15 * MINUTE;
const any = { doorAlone: () => true };
const never = { doorAlone: () => false };

function home(memory: { door?: number; band?: number }): HouseholdContext {
  return {
    id: 'hh-1',
    tags: [],
    absences: [],
    memory: { signsOfLife: new Map(), lastDoorUseAt: memory.door, homeRange: memory.band === undefined ? undefined : { heardAt: memory.band, heartbeatMs: 5 * MINUTE } },
  };
}

describe('wentOutSince: has the resident gone out since the last draw?', () => {
  test('the door used after the last draw (within the meter\'s report interval before it) counts when the caller lets a door alone count', () => {
    expect(wentOutSince(home({ door: T + 5 * MINUTE }), T, T + 3 * 3_600_000, SLACK, any)).toBe(true);
    expect(wentOutSince(home({ door: T - 10 * MINUTE }), T, T + 3 * 3_600_000, SLACK, any)).toBe(true);
    expect(wentOutSince(home({ door: T - 20 * MINUTE }), T, T + 3 * 3_600_000, SLACK, any)).toBe(false);
    expect(wentOutSince(home({ door: T + 5 * MINUTE }), T, T + 3 * 3_600_000, SLACK, never)).toBe(false);
  });

  test('a band heard only at home that is still heard says she is in, whatever the door did', () => {
    expect(wentOutSince(home({ door: T + 5 * MINUTE, band: T + 3 * 3_600_000 - MINUTE }), T, T + 3 * 3_600_000, SLACK, any)).toBe(false);
  });

  test('a band that fell silent after the last draw says she is out, even with no door to tell by', () => {
    expect(wentOutSince(home({ band: T + 5 * MINUTE }), T, T + 3 * 3_600_000, SLACK, never)).toBe(true);
    // Silent since long before the draw: a dead band, not an outing.
    expect(wentOutSince(home({ band: T - 3 * 3_600_000 }), T, T + 3 * 3_600_000, SLACK, never)).toBe(false);
  });

  test('nothing known of the home: not out', () => {
    expect(wentOutSince({ id: 'hh-1', tags: [], absences: [] }, T, T + 3 * 3_600_000, SLACK, any)).toBe(false);
  });
});
