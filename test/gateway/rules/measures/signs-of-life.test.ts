import { describe, expect, test } from 'vitest';
import { awayFromHome, wentOutSince } from '../../../../gateway/rules/measures/signs-of-life.js';
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
    memory: { signsOfLife: new Map(), lastDoorUseAt: memory.door, homeRange: memory.band === undefined ? undefined : { heardAt: memory.band, heartbeatMs: 5 * MINUTE }, lifeSensors: new Set() },
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

describe('awayFromHome: is the home known to be empty?', () => {
  const HOUR = 60 * MINUTE;
  function place(o: { door?: number; band?: number; water?: number; alone?: boolean; absence?: [number, number] }): HouseholdContext {
    const life = new Map<string, number>();
    if (o.water !== undefined) life.set('meter', o.water);
    if (o.door !== undefined) life.set('door', o.door);
    return {
      id: 'hh-1',
      tags: o.alone === false ? [] : ['living-alone'],
      absences: o.absence ? [{ from: o.absence[0], until: o.absence[1] }] : [],
      memory: { signsOfLife: life, lastDoorUseAt: o.door, homeRange: o.band === undefined ? undefined : { heardAt: o.band, heartbeatMs: 5 * MINUTE }, lifeSensors: new Set(['meter', 'door']) },
    };
  }

  test('her band silent since she used the door, nothing drawn since: out', () => {
    const away = awayFromHome(place({ water: T - 10 * MINUTE, door: T, band: T + 2 * MINUTE }), T + 5 * HOUR, SLACK);
    expect(away?.since).toBe(T);
    expect(away?.why).toMatch(/wristband has not been heard at home/);
  });

  test('not out: the band still heard, water drawn after the door, a band silent long before the door, or a couple (the other may be in)', () => {
    expect(awayFromHome(place({ door: T, band: T + 5 * HOUR - MINUTE }), T + 5 * HOUR, SLACK)).toBeUndefined();
    expect(awayFromHome(place({ door: T, water: T + HOUR, band: T + 2 * MINUTE }), T + 5 * HOUR, SLACK)).toBeUndefined();
    expect(awayFromHome(place({ door: T, band: T - 2 * HOUR }), T + 5 * HOUR, SLACK)).toBeUndefined();
    expect(awayFromHome(place({ door: T, band: T + 2 * MINUTE, alone: false }), T + 5 * HOUR, SLACK)).toBeUndefined();
  });

  test('a reported absence over, the door unused since she left: not back; back once the door is used again', () => {
    const absence: [number, number] = [T + 30 * MINUTE, T + 48 * HOUR];
    expect(awayFromHome(place({ door: T, absence }), T + 50 * HOUR, SLACK)?.why).toMatch(/not back from the absence reported until/);
    expect(awayFromHome(place({ door: T + 48 * HOUR + HOUR, absence }), T + 50 * HOUR, SLACK)).toBeUndefined();
    // A door used the day before the absence and nothing since is no departure for it.
    expect(awayFromHome(place({ door: T - 2 * 24 * HOUR, absence }), T + 50 * HOUR, SLACK)).toBeUndefined();
  });

  test('nothing known of the home: not known to be empty', () => {
    expect(awayFromHome({ id: 'hh-1', tags: ['living-alone'], absences: [] }, T, SLACK)).toBeUndefined();
  });
});
