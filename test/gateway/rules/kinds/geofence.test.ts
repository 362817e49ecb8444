import { describe, expect, test } from 'vitest';
import type { Edge, RuleContext, RuleTrigger } from '../../../../gateway/rules/kinds/kind-api.js';
import { evaluateGeofence, geofenceRuleSchema, geofenceStateSchema, type GeofenceState } from '../../../../gateway/rules/kinds/geofence.js';
import { EARTH_RADIUS_M, type LatLon } from '../../../../gateway/rules/measures/geometry.js';
import { issuesOf } from '../../../../lib/validation.js';

const MINUTE = 60_000;
const RAD = Math.PI / 180;
const HOME: LatLon = { lat: 31.23, lon: 121.47 };
const RADIUS = 200;

/** The point `east` and `north` metres from home. */
function offset(east: number, north = 0): LatLon {
  return {
    lat: HOME.lat + north / (EARTH_RADIUS_M * RAD),
    lon: HOME.lon + east / (EARTH_RADIUS_M * RAD * Math.cos(HOME.lat * RAD)),
  };
}

/** 25 November 2026 at hh:mm in Shanghai (+08:00); hours past 24 run into the next day. */
function shanghai(hh: number, mm = 0): number {
  return Date.parse('2026-11-25T00:00:00+08:00') + (hh * 60 + mm) * MINUTE;
}

const ctx: RuleContext = {
  device: { deviceId: 'band-7', householdId: 'hh-7', heartbeatMs: 5 * MINUTE },
  gateway: { offline: [], timeZone: 'Asia/Shanghai' },
};

function rule(overrides: Record<string, unknown> = {}) {
  return geofenceRuleSchema.parse({
    id: 'left-safe-area',
    kind: 'geofence',
    title: 'left the safe area',
    fences: [
      { householdId: 'hh-7', shape: { type: 'circle', center: HOME, radiusM: RADIUS } },
      { householdId: 'hh-8', shape: { type: 'circle', center: offset(5000), radiusM: 300 } },
    ],
    grade: 'P2',
    ...overrides,
  });
}

/** A fix `metres` east of home (inside the 200 m circle below 200), at `at`. */
interface Fix {
  at: number;
  east?: number;
  north?: number;
  lat?: number;
  lon?: number;
}

function reading(fix: Fix): RuleTrigger {
  const p = fix.lat !== undefined && fix.lon !== undefined ? { lat: fix.lat, lon: fix.lon } : offset(fix.east ?? 0, fix.north ?? 0);
  return { type: 'reading', reading: { deviceId: 'band-7', at: fix.at, metrics: { latitude_deg: p.lat, longitude_deg: p.lon } } };
}

/** Runs fixes through the evaluator as the engine would, keeping state and collecting what came out. */
function run(r: ReturnType<typeof rule>, fixes: Fix[], state?: GeofenceState) {
  const edges: Edge[] = [];
  const anomalies: string[] = [];
  for (const fix of fixes) {
    const step = evaluateGeofence(r, state, reading(fix), ctx);
    if (!step) continue;
    expect(step.wakeAt).toBeUndefined();
    state = geofenceStateSchema.parse(step.state);
    if (step.edge) edges.push(step.edge);
    if (step.anomaly) anomalies.push(step.anomaly);
  }
  return { edges, anomalies, state };
}

/** Fixes every 5 min from `start`, at the given distances east of home. */
function walk(start: number, easts: number[]): Fix[] {
  return easts.map((east, i) => ({ at: start + i * 5 * MINUTE, east }));
}

describe('raising and clearing', () => {
  test('a band inside the fence stays quiet', () => {
    const { edges, state } = run(rule(), walk(shanghai(23, 30), [0, 50, 120, 170, 100, 0]));
    expect(edges).toEqual([]);
    expect(state?.outsideFixes).toBe(0);
  });

  test.each([
    { name: 'one outside fix does not raise', easts: [0, 620], raises: 0 },
    { name: 'one outside fix between inside ones does not raise', easts: [0, 620, 0, 620], raises: 0 },
    { name: 'two outside fixes raise', easts: [0, 620, 620], raises: 1 },
    { name: 'more outside fixes raise only once', easts: [0, 620, 620, 700, 900, 650], raises: 1 },
  ])('$name', ({ easts, raises }) => {
    const { edges } = run(rule(), walk(shanghai(23, 30), easts));
    expect(edges.filter((e) => e.kind === 'raise')).toHaveLength(raises);
  });

  test('the alert names how far out, the household and the local time; its episode is the first outside fix', () => {
    const { edges } = run(rule(), walk(shanghai(23, 30), [0, 400, 620]));
    expect(edges).toEqual([
      {
        kind: 'raise',
        episode: shanghai(23, 35),
        summary: 'left the safe area: 420 m outside the fence of household hh-7 at 23:40',
        details: {
          distanceM: 420,
          lat: Number(offset(620).lat.toFixed(5)),
          lon: Number(offset(620).lon.toFixed(5)),
          fence: 'circle',
          since: '2026-11-25T15:35:00.000Z',
        },
      },
    ]);
  });

  test('confirmations: 3 needs three outside fixes', () => {
    expect(run(rule({ confirmations: 3 }), walk(shanghai(23), [620, 620])).edges).toEqual([]);
    expect(run(rule({ confirmations: 3 }), walk(shanghai(23), [620, 620, 620])).edges).toHaveLength(1);
  });

  test('one fix back inside clears the open episode, and leaving again is a new episode', () => {
    const { edges, state } = run(rule(), walk(shanghai(23, 30), [0, 620, 620, 300, 150, 100, 620, 620]));
    expect(edges.map((e) => [e.kind, e.episode])).toEqual([
      ['raise', shanghai(23, 35)],
      ['clear', shanghai(23, 35)],
      ['raise', shanghai(24, 0)],
    ]);
    expect(edges[1]!.summary).toBe('left the safe area ended: back inside the fence of household hh-7 at 23:50, 50 m from its edge');
    expect(state?.openEpisode).toBe(shanghai(24, 0));
  });

  test('the same fixes give the same episodes', () => {
    const fixes = walk(shanghai(23, 30), [0, 620, 620, 0, 620, 620]);
    expect(run(rule(), fixes).edges).toEqual(run(rule(), fixes).edges);
  });
});

describe('the margin', () => {
  // Radius 200 m, margin 25 m: outside from 225 m, back inside within 175 m.
  test.each([
    { name: 'jitter across the edge never raises', easts: [190, 215, 185, 220, 200, 224, 176, 210] },
    { name: 'a fix just beyond the edge does not count as outside', easts: [210, 210, 210, 210] },
  ])('$name', ({ easts }) => {
    expect(run(rule(), walk(shanghai(23), easts)).edges).toEqual([]);
  });

  test('jitter across the edge never clears an open alert', () => {
    const { edges } = run(rule(), walk(shanghai(23), [620, 620, 190, 215, 185, 220, 200, 176, 224]));
    expect(edges.map((e) => e.kind)).toEqual(['raise']);
  });

  test('a fix on the margin keeps the count: outside, margin, outside raises', () => {
    const { edges } = run(rule(), walk(shanghai(23), [300, 210, 300]));
    expect(edges.map((e) => [e.kind, e.episode])).toEqual([['raise', shanghai(23)]]);
  });

  test('with marginM 0 the edge itself decides', () => {
    const { edges } = run(rule({ marginM: 0 }), walk(shanghai(23), [201, 201, 199]));
    expect(edges.map((e) => e.kind)).toEqual(['raise', 'clear']);
  });
});

describe('a polygon fence', () => {
  /** An L of 200 m x 200 m without its north-east quarter; home is its south-west corner. */
  const ell = [
    [0, 0],
    [200, 0],
    [200, 100],
    [100, 100],
    [100, 200],
    [0, 200],
  ].map(([e, n]) => offset(e!, n!));
  const polygonRule = rule({ marginM: 10, fences: [{ householdId: 'hh-7', shape: { type: 'polygon', points: ell } }] });

  test.each([
    { name: 'walking about the foot and the arm of the L stays quiet', points: [[50, 50], [150, 50], [50, 150], [80, 180]], kinds: [] },
    { name: 'standing in the notch of the L is outside', points: [[50, 50], [150, 150], [150, 150]], kinds: ['raise'] },
    { name: 'leaving the notch for the foot clears', points: [[150, 150], [150, 150], [150, 50]], kinds: ['raise', 'clear'] },
  ])('$name', ({ points, kinds }) => {
    const fixes = points.map(([east, north], i) => ({ at: shanghai(23, 5 * i), east: east!, north: north! }));
    const { edges } = run(polygonRule, fixes);
    expect(edges.map((e) => e.kind)).toEqual(kinds);
    if (kinds[0] === 'raise') {
      expect(edges[0]!.details).toMatchObject({ distanceM: 50, fence: 'polygon' });
    }
  });
});

describe('onlyAt', () => {
  const night = rule({ onlyAt: { from: '20:00', to: '06:00' } });
  const office = rule({ onlyAt: { from: '09:00', to: '17:00' } });

  test.each([
    { name: 'leaving at 15:00 raises nothing at night only', r: night, start: shanghai(15), raises: false },
    { name: 'leaving at 23:00 raises', r: night, start: shanghai(23), raises: true },
    { name: 'leaving at 23:58, confirmed after midnight, raises', r: night, start: shanghai(23, 58), raises: true },
    { name: 'leaving at 05:50 raises (before the window closes)', r: night, start: shanghai(24 + 5, 50), raises: true },
    { name: 'leaving at 06:00 raises nothing (the window has closed)', r: night, start: shanghai(24 + 6), raises: false },
    { name: 'a day window holds 15:00', r: office, start: shanghai(15), raises: true },
    { name: 'a day window does not hold 23:00', r: office, start: shanghai(23), raises: false },
  ])('$name', ({ r, start, raises }) => {
    const { edges } = run(r, walk(start, [620, 620]));
    expect(edges.length > 0).toBe(raises);
  });

  test('still outside when the window opens, the next fix raises with the episode of leaving', () => {
    const fixes = [...walk(shanghai(19, 50), [620, 620]), { at: shanghai(20), east: 640 }];
    const { edges } = run(night, fixes);
    expect(edges.map((e) => [e.kind, e.episode])).toEqual([['raise', shanghai(19, 50)]]);
    expect(edges[0]!.summary).toBe('left the safe area: 440 m outside the fence of household hh-7 at 20:00');
  });

  test('an alert open when the window closes still clears when the band is back', () => {
    const { edges } = run(night, walk(shanghai(24 + 5, 50), [620, 620, 620, 0]));
    expect(edges.map((e) => e.kind)).toEqual(['raise', 'clear']);
  });
});

describe('fixes that say nothing', () => {
  test.each([
    { name: '(0, 0), what bands send without GPS', lat: 0, lon: 0, anomaly: /\(0, 0\)/ },
    { name: 'a latitude beyond the pole', lat: 91.5, lon: 121.47, anomaly: /latitude_deg 91.5 is outside \[-90, 90\]/ },
    { name: 'a longitude beyond 180', lat: 31.23, lon: -200, anomaly: /longitude_deg -200 is outside \[-180, 180\]/ },
    { name: 'a NaN', lat: Number.NaN, lon: 121.47, anomaly: /not a number/ },
  ])('$name changes nothing, with an anomaly', ({ lat, lon, anomaly }) => {
    const first = run(rule(), walk(shanghai(23), [620]));
    const step = evaluateGeofence(rule(), first.state, reading({ at: shanghai(23, 5), lat, lon }), ctx);
    expect(step?.state).toEqual(first.state);
    expect(step?.edge).toBeUndefined();
    expect(step?.anomaly).toMatch(anomaly);
    // The outside fix before it still counts towards the confirmation.
    expect(run(rule(), [{ at: shanghai(23, 10), east: 620 }], step!.state).edges).toHaveLength(1);
  });

  test('(0, 0) fixes among real ones never raise', () => {
    const fixes = walk(shanghai(23), [0, 0, 0, 0]).map((f, i) => (i % 2 ? { at: f.at, lat: 0, lon: 0 } : f));
    const { edges, anomalies } = run(rule(), fixes);
    expect(edges).toEqual([]);
    expect(anomalies).toHaveLength(2);
  });

  test('an out-of-order fix is ignored with an anomaly', () => {
    const { edges, anomalies } = run(rule(), [
      { at: shanghai(23, 10), east: 620 },
      { at: shanghai(23, 5), east: 620 },
    ]);
    expect(edges).toEqual([]);
    expect(anomalies).toEqual(['fix at 2026-11-25T15:05:00.000Z is older than the last one (2026-11-25T15:10:00.000Z): ignored']);
  });

  test('the same fix twice counts once, quietly', () => {
    const { edges, anomalies } = run(rule(), [
      { at: shanghai(23), east: 620 },
      { at: shanghai(23), east: 620 },
    ]);
    expect(edges).toEqual([]);
    expect(anomalies).toEqual([]);
  });

  test.each([
    { name: 'a tick', input: { type: 'tick', at: shanghai(23) } as RuleTrigger, c: ctx },
    {
      name: 'a reading without a position',
      input: { type: 'reading', reading: { deviceId: 'band-7', at: shanghai(23), metrics: { heart_rate_bpm: 72 } } } as RuleTrigger,
      c: ctx,
    },
    {
      name: 'a reading with a latitude only',
      input: { type: 'reading', reading: { deviceId: 'band-7', at: shanghai(23), metrics: { latitude_deg: 31.3 } } } as RuleTrigger,
      c: ctx,
    },
    { name: 'a band of a household without a fence', input: reading({ at: shanghai(23), east: 620 }), c: { ...ctx, device: { ...ctx.device, householdId: 'hh-9' } } },
  ])('$name is none of its business', ({ input, c }) => {
    expect(evaluateGeofence(rule(), undefined, input, c)).toBeUndefined();
  });

  test('each household is measured against its own fence', () => {
    const hh8 = { ...ctx, device: { ...ctx.device, householdId: 'hh-8' } };
    // 5 km east is home for hh-8 and far outside for hh-7.
    const step = evaluateGeofence(rule(), { lastFixAt: shanghai(22), outsideSince: shanghai(22), outsideFixes: 1, openEpisode: null }, reading({ at: shanghai(23), east: 5000 }), hh8);
    expect(step?.edge).toBeUndefined();
    expect(step?.state.outsideFixes).toBe(0);
  });
});

describe('the rule schema', () => {
  test('fills in the defaults', () => {
    expect(rule()).toMatchObject({ confirmations: 2, marginM: 25 });
    expect(rule({ onlyAt: { from: '20:00', to: '06:00' } }).onlyAt).toEqual({ from: 20 * 60, to: 6 * 60 });
  });

  const circle = { type: 'circle', center: HOME, radiusM: 200 };
  test.each([
    { name: 'a negative radius', change: { fences: [{ householdId: 'hh-7', shape: { ...circle, radiusM: -5 } }] }, path: 'fences[0].shape.radiusM' },
    { name: 'a radius within the margin', change: { fences: [{ householdId: 'hh-7', shape: { ...circle, radiusM: 20 } }] }, path: 'fences[0].shape.radiusM' },
    { name: 'a latitude beyond the pole', change: { fences: [{ householdId: 'hh-7', shape: { ...circle, center: { lat: 95, lon: 121 } } }] }, path: 'fences[0].shape.center.lat' },
    {
      name: 'a polygon of two points',
      change: { fences: [{ householdId: 'hh-7', shape: { type: 'polygon', points: [HOME, offset(100)] } }] },
      path: 'fences[0].shape.points',
    },
    { name: 'an unknown shape', change: { fences: [{ householdId: 'hh-7', shape: { type: 'square', side: 100 } }] }, path: 'fences[0].shape.type' },
    {
      name: 'two fences for one household',
      change: { fences: [{ householdId: 'hh-7', shape: circle }, { householdId: 'hh-7', shape: circle }] },
      path: 'fences[1].householdId',
    },
    { name: 'no fence at all', change: { fences: [] }, path: 'fences' },
    { name: 'a time of day that is not one', change: { onlyAt: { from: '8pm', to: '06:00' } }, path: 'onlyAt.from' },
    { name: 'an empty window', change: { onlyAt: { from: '20:00', to: '20:00' } }, path: 'onlyAt.to' },
    { name: 'zero confirmations', change: { confirmations: 0 }, path: 'confirmations' },
    { name: 'a negative margin', change: { marginM: -1 }, path: 'marginM' },
    { name: 'a grade that does not exist', change: { grade: 'P9' }, path: 'grade' },
    { name: 'a misspelt option', change: { confirmation: 3 }, path: '(root)' },
  ])('$name is an error naming $path', ({ change, path }) => {
    const result = geofenceRuleSchema.safeParse({ id: 'g', kind: 'geofence', title: 'left the safe area', fences: [{ householdId: 'hh-7', shape: circle }], grade: 'P2', ...change });
    expect(result.success).toBe(false);
    expect(issuesOf(result.error!).map((i) => i.path)).toEqual([path]);
  });
});

describe('geofence and a reported absence', () => {
  test('fixes outside while she is away do not count: the first fix on her way home raises nothing', async () => {
    const { evaluateGeofence, geofenceRuleSchema } = await import('../../../../gateway/rules/kinds/geofence.js');
    const { drive, DEVICE, GATEWAY } = await import('../../../support/rules/evaluator-driver.js');
    const rule = geofenceRuleSchema.parse({
      id: 'geofence', kind: 'geofence', title: 'left the safe area', grade: 'P2',
      fences: [{ householdId: DEVICE.householdId, shape: { type: 'circle', center: { lat: 31.23, lon: 121.47 }, radiusM: 300 } }],
    });
    const t0 = Date.parse('2026-11-23T09:00:00+08:00');
    const away = { from: t0, until: t0 + 6 * 3_600_000 };
    const far = { latitude_deg: 31.25, longitude_deg: 121.47 };
    const feed = [
      { at: t0 + 3_600_000, metrics: far },
      { at: t0 + 2 * 3_600_000, metrics: far },
      { at: t0 + 6 * 3_600_000 + 60_000, metrics: far }, // back from the absence, still on the way home
    ];
    const r = drive(evaluateGeofence, rule, feed, DEVICE, GATEWAY, { id: DEVICE.householdId, tags: [], absences: [away] });
    expect(r.edges).toEqual([]);
  });
});
