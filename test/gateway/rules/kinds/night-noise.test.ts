import { describe, expect, test } from 'vitest';
import type { GatewayContext } from '../../../../gateway/rules/kinds/kind-api.js';
import type { DeviceContext } from '../../../../contract/device-context.js';
import { laeq } from '../../../../gateway/rules/measures/laeq.js';
import { evaluateNightNoise, nightNoiseRuleSchema, nightNoiseStateSchema, type NightNoiseRule } from '../../../../gateway/rules/kinds/night-noise.js';
import { drive, type Feed } from '../../../support/rules/evaluator-driver.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

const SITE: DeviceContext = { deviceId: 'noise-1', householdId: 'hh-9', heartbeatMs: SECOND };
const OTHER_SITE: DeviceContext = { deviceId: 'noise-2', householdId: 'hh-10', heartbeatMs: SECOND };

/** Shanghai, and a zone whose offset is not whole hours (blocks align to its wall clock, not UTC's). */
const ZONES = [
  { timeZone: 'Asia/Shanghai', offset: '+08:00' },
  { timeZone: 'Asia/Kolkata', offset: '+05:30' },
] as const;
type Zone = (typeof ZONES)[number];

const gatewayIn = (zone: Zone): GatewayContext => ({ offline: [], timeZone: zone.timeZone });

/** "23:00" on 2026-11-23, or "+02:00" on the next day, local to the zone. */
function local(zone: Zone, clock: string): number {
  const nextDay = clock.startsWith('+');
  return Date.parse(`2026-11-${nextDay ? 24 : 23}T${clock.replace('+', '')}${zone.offset}`);
}

function rule(overrides: Record<string, unknown> = {}): NightNoiseRule {
  return nightNoiseRuleSchema.parse({ id: 'night-noise', kind: 'night-noise', title: 'night construction noise', interval: '5m', grade: 'P3', ...overrides });
}

/** Readings of noise_dba every `stepMs` in [from, to). */
function noise(from: number, to: number, level: number | ((t: number) => number), stepMs = SECOND): Feed[] {
  const feed: Feed[] = [];
  for (let t = from; t < to; t += stepMs) feed.push({ at: t, metrics: { noise_dba: typeof level === 'number' ? level : level(t) } });
  return feed;
}

describe('LAeq', () => {
  test('averages energy, not decibels: 50 and 70 dB(A) give 67.0, not 60', () => {
    expect(laeq([50, 70])).toBeCloseTo(67.0, 1);
    expect(laeq([50, 70])).not.toBeCloseTo((50 + 70) / 2, 0);
  });

  test.each([
    { levels: [62, 62, 62], expected: 62 },
    { levels: [60, 80], expected: 77.03 },
    { levels: [45, 71, ...Array<number>(298).fill(45)], expected: 48.66 },
    { levels: [0, 140], expected: 136.99 },
  ])('of $levels.length samples is $expected dB(A)', ({ levels, expected }) => {
    expect(laeq(levels)).toBeCloseTo(expected, 2);
  });

  test('an hour of loud samples sums stably, in any order', () => {
    const levels = Array.from({ length: 3600 }, (_, i) => (i % 3 === 0 ? 130 : 40 + (i % 7)));
    const direct = 10 * Math.log10(levels.reduce((s, l) => s + 10 ** (l / 10), 0) / levels.length);
    expect(laeq(levels)).toBeCloseTo(direct, 9);
    expect(laeq(levels.slice().reverse())).toBeCloseTo(direct, 9);
  });

  test('the rule judges the energy average: 60 and 80 dB(A) by day exceed 70 although their mean does not', () => {
    const zone = ZONES[0];
    const run = drive(evaluateNightNoise, rule(), [...noise(local(zone, '15:00'), local(zone, '15:05'), (t) => ((t / SECOND) % 2 === 0 ? 60 : 80)), { tick: local(zone, '15:05') }], SITE, gatewayIn(zone));
    expect(run.edges).toHaveLength(1);
    expect(run.edges[0]!.details).toMatchObject({ laeq: 77, limit: 70, period: 'day', samples: 300, lmax: 80 });
  });
});

describe.each(ZONES)('night noise in $timeZone', (zone) => {
  const gateway = gatewayIn(zone);
  const at = (clock: string) => local(zone, clock);

  test('a quiet night raises nothing', () => {
    const run = drive(evaluateNightNoise, rule(), noise(at('22:00'), at('+06:00'), (t) => 45 + 5 * Math.sin(t / 7_000)), SITE, gateway);
    expect(run.edges).toEqual([]);
    expect(run.anomalies).toEqual([]);
  });

  test('10 min of construction at 62 dB(A) from 23:00 raise one alert when the first 5-min block ends', () => {
    const feed = [...noise(at('22:50'), at('23:00'), 45), ...noise(at('23:00'), at('23:10'), 62), ...noise(at('23:10'), at('23:30'), 45)];
    const run = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    const raises = run.edges.filter((e) => e.kind === 'raise');
    expect(raises).toHaveLength(1);
    expect(raises[0]).toMatchObject({
      at: at('23:05'),
      episode: at('23:00'),
      summary: 'night construction noise: LAeq 5 min 62.0 dB(A) > 55 dB(A) at 23:00-23:05, site hh-9',
      details: {
        trigger: 'laeq',
        laeq: 62,
        limit: 55,
        period: 'night',
        intervalStart: new Date(at('23:00')).toISOString(),
        intervalEnd: new Date(at('23:05')).toISOString(),
        samples: 300,
        lmax: 62,
      },
    });
    // The second loud block keeps it open; the first quiet one clears it.
    expect(run.edges.map((e) => [e.kind, e.at, e.episode])).toEqual([
      ['raise', at('23:05'), at('23:00')],
      ['clear', at('23:15'), at('23:00')],
    ]);
  });

  test('the same 62 dB(A) at 15:00 is under the day limit and raises nothing', () => {
    const run = drive(evaluateNightNoise, rule(), [...noise(at('15:00'), at('15:10'), 62), { tick: at('15:10') }], SITE, gateway);
    expect(run.edges).toEqual([]);
  });

  test.each([
    { clock: '+02:00', level: 71, raises: true },
    { clock: '+02:00', level: 70, raises: false },
    { clock: '22:00', level: 71, raises: true },
    { clock: '21:59', level: 71, raises: false },
    { clock: '+05:59', level: 71, raises: true },
    { clock: '+06:00', level: 71, raises: false },
    { clock: '14:00', level: 90, raises: false },
  ])('a single $level dB(A) sample at $clock raises at once: $raises', ({ clock, level, raises }) => {
    const spike = at(clock) + 13 * SECOND;
    const feed = [...noise(at(clock), spike, 45), { at: spike, metrics: { noise_dba: level } }];
    const run = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    if (!raises) return expect(run.edges).toEqual([]);
    expect(run.edges).toHaveLength(1);
    expect(run.edges[0]).toMatchObject({ kind: 'raise', at: spike, episode: spike, details: { trigger: 'lmax', lmax: level, limit: 70, period: 'night' } });
    expect(run.edges[0]!.summary).toMatch(/^night construction noise: Lmax 71\.0 dB\(A\) > 70 dB\(A\) \(night limit 55 \+ 15\) at \d\d:\d\d, site hh-9$/);
  });

  test.each([
    { start: '21:55', period: 'day' },
    { start: '22:00', period: 'night' },
    { start: '23:55', period: 'night' },
    { start: '+00:00', period: 'night' },
    { start: '+05:55', period: 'night' },
    { start: '+06:00', period: 'day' },
  ])('a 60 dB(A) block from $start is judged by the $period limit', ({ start, period }) => {
    const end = at(start) + 5 * MINUTE;
    const run = drive(evaluateNightNoise, rule(), [...noise(at(start), end, 60), { tick: end }], SITE, gateway);
    expect(run.edges.map((e) => e.details.period)).toEqual(period === 'night' ? ['night'] : []);
  });

  test('the night ends at 06:00: a 05:55 block raises, the 06:00 block of the same noise clears by the day limit', () => {
    const run = drive(evaluateNightNoise, rule(), [...noise(at('+05:55'), at('+06:05'), 60), { tick: at('+06:05') }], SITE, gateway);
    expect(run.edges.map((e) => [e.kind, e.at, e.episode, e.details.period, e.details.limit])).toEqual([
      ['raise', at('+06:00'), at('+05:55'), 'night', 55],
      ['clear', at('+06:05'), at('+05:55'), 'day', 70],
    ]);
    expect(run.edges[1]!.summary).toBe('night construction noise ended: LAeq 5 min 60.0 dB(A) <= 67 dB(A) at 06:00-06:05, site hh-9');
  });

  test('approved night work suppresses raising for its site in its span, and only there', () => {
    const exemptions = [{ householdId: 'hh-9', from: `2026-11-23T22:00:00${zone.offset}`, to: `2026-11-24T02:00:00${zone.offset}`, note: 'permit 2026-117, concrete pour' }];
    const loud = [...noise(at('23:00'), at('23:10'), 62), { at: at('23:10'), metrics: { noise_dba: 80 } }, { tick: at('23:15') }];
    expect(drive(evaluateNightNoise, rule({ exemptions }), loud, SITE, gateway).edges).toEqual([]);
    expect(drive(evaluateNightNoise, rule({ exemptions }), loud, OTHER_SITE, gateway).edges.filter((e) => e.kind === 'raise')).toHaveLength(1);

    const afterSpan = [...noise(at('+02:00'), at('+02:05'), 62), { tick: at('+02:05') }];
    expect(drive(evaluateNightNoise, rule({ exemptions }), afterSpan, SITE, gateway).edges.map((e) => e.kind)).toEqual(['raise']);
  });

  test('an alert raised before approved work begins still clears during it', () => {
    const exemptions = [{ householdId: 'hh-9', from: `2026-11-23T23:05:00${zone.offset}`, to: `2026-11-24T02:00:00${zone.offset}`, note: 'permit 2026-118' }];
    const run = drive(evaluateNightNoise, rule({ exemptions }), [...noise(at('23:00'), at('23:05'), 62), ...noise(at('23:05'), at('23:15'), 45)], SITE, gateway);
    expect(run.edges.map((e) => [e.kind, e.at])).toEqual([
      ['raise', at('23:05')],
      ['clear', at('23:10')],
    ]);
  });

  test.each([
    { after: 56, clears: false },
    { after: 53, clears: false },
    { after: 52.1, clears: false },
    { after: 52, clears: true },
    { after: 40, clears: true },
  ])('an open alert clears after a block at $after dB(A) (limit 55 - hysteresis 3): $clears', ({ after, clears }) => {
    const feed = [...noise(at('23:00'), at('23:05'), 62), ...noise(at('23:05'), at('23:10'), after), { tick: at('23:10') }];
    const run = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    expect(run.edges.map((e) => e.kind)).toEqual(clears ? ['raise', 'clear'] : ['raise']);
  });

  test('while an alert is open, loud blocks and Lmax spikes raise nothing more', () => {
    const feed = noise(at('23:00'), at('23:30'), (t) => (((t - at('23:00')) / SECOND) % 60 === 30 ? 85 : 62));
    const run = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    expect(run.edges.map((e) => [e.kind, e.episode, e.details.trigger])).toEqual([['raise', at('23:00') + 30 * SECOND, 'lmax']]);
  });

  test('a night spike in the reading that closes a quiet block keeps the alert open instead of clearing it', () => {
    const feed = [
      ...noise(at('23:00'), at('23:05'), 62),
      ...noise(at('23:05'), at('23:10'), 45),
      ...noise(at('23:10'), at('23:20'), (t) => (t === at('23:10') ? 80 : 45)),
      { tick: at('23:20') },
    ];
    const run = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    // The 23:10 block holds the 80 dB(A) sample (LAeq 55.6), so the 23:15 block is the one that clears.
    expect(run.edges.map((e) => [e.kind, e.at, e.episode])).toEqual([
      ['raise', at('23:05'), at('23:00')],
      ['clear', at('23:20'), at('23:00')],
    ]);
  });

  test('when the sensor goes silent, the block is judged on a tick at its end', () => {
    const r = rule();
    const loud = drive(evaluateNightNoise, r, noise(at('23:00'), at('23:02'), 62), SITE, gateway);
    expect(loud.edges).toEqual([]);
    expect(loud.wakeAt).toBe(at('23:05'));

    const ctx = { device: SITE, gateway };
    const early = evaluateNightNoise(r, loud.state, { type: 'tick', at: at('23:03') }, ctx);
    expect(early).toEqual({ state: loud.state, wakeAt: at('23:05') });

    const due = evaluateNightNoise(r, loud.state, { type: 'tick', at: at('23:05') }, ctx)!;
    expect(due.edge).toMatchObject({ kind: 'raise', episode: at('23:00'), details: { samples: 120, laeq: 62 } });
    expect(due.wakeAt).toBeUndefined();
    expect(evaluateNightNoise(r, due.state, { type: 'tick', at: at('23:10') }, ctx)).toBeUndefined();

    // A reading stamped inside the block already judged is late: ignored and logged.
    const late = evaluateNightNoise(r, due.state, { type: 'reading', reading: { deviceId: SITE.deviceId, at: at('23:04'), metrics: { noise_dba: 90 } } }, ctx)!;
    expect(late.state).toBe(due.state);
    expect(late.edge).toBeUndefined();
    expect(late.anomaly).toMatch(/before the block being measured/);
  });

  test('silent blocks are not judged; the next reading judges the last block that had samples', () => {
    const feed = [...noise(at('23:00'), at('23:05'), 62), ...noise(at('23:20'), at('23:25'), 45), { tick: at('23:25') }];
    const run = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    expect(run.edges.map((e) => [e.kind, e.at, e.episode])).toEqual([
      ['raise', at('23:20'), at('23:00')],
      ['clear', at('23:25'), at('23:00')],
    ]);
  });

  test.each([
    { stepMs: 60 * SECOND, minSamples: undefined, raises: 0 },
    { stepMs: 60 * SECOND, minSamples: 5, raises: 1 },
    { stepMs: 30 * SECOND, minSamples: undefined, raises: 1 },
  ])('a sensor polled every $stepMs ms with minSamples $minSamples raises $raises time(s)', ({ stepMs, minSamples, raises }) => {
    const feed = [...noise(at('23:00'), at('23:30'), 62, stepMs), { tick: at('23:30') }];
    const run = drive(evaluateNightNoise, rule(minSamples === undefined ? {} : { minSamples }), feed, SITE, gateway);
    expect(run.edges.filter((e) => e.kind === 'raise')).toHaveLength(raises);
  });

  test('a reading without noise_dba says nothing to the rule', () => {
    const r = rule();
    const ctx = { device: SITE, gateway };
    const state = drive(evaluateNightNoise, r, noise(at('23:00'), at('23:01'), 62), SITE, gateway).state;
    expect(evaluateNightNoise(r, state, { type: 'reading', reading: { deviceId: SITE.deviceId, at: at('23:02'), metrics: { voltage_v: 230 } } }, ctx)).toBeUndefined();
  });

  test('the same readings give the same episodes, and the state survives a JSON round trip', () => {
    const feed = [...noise(at('23:00'), at('23:07'), 62), { tick: at('23:10') }];
    const once = drive(evaluateNightNoise, rule(), feed, SITE, gateway);
    const half = drive(evaluateNightNoise, rule(), feed.slice(0, 200), SITE, gateway);
    const stored = nightNoiseStateSchema.parse(JSON.parse(JSON.stringify(half.state)));
    const resumed = feed.slice(200).reduce((s, f) => {
      const input = 'tick' in f ? ({ type: 'tick', at: f.tick } as const) : ({ type: 'reading', reading: { deviceId: SITE.deviceId, at: f.at, metrics: f.metrics! } } as const);
      return evaluateNightNoise(rule(), s, input, { device: SITE, gateway })?.state ?? s;
    }, stored);
    expect(drive(evaluateNightNoise, rule(), feed, SITE, gateway).edges).toEqual(once.edges);
    expect(resumed).toEqual(once.state);
  });
});

describe('time zones', () => {
  test('the same instant is night in Shanghai (23:00) and evening in Kolkata (20:30)', () => {
    const from = Date.parse('2026-11-23T15:00:00Z');
    const feed = [...noise(from, from + 10 * MINUTE, 62), { tick: from + 10 * MINUTE }];
    expect(drive(evaluateNightNoise, rule(), feed, SITE, gatewayIn(ZONES[0])).edges.map((e) => e.kind)).toEqual(['raise']);
    expect(drive(evaluateNightNoise, rule(), feed, SITE, gatewayIn(ZONES[1])).edges).toEqual([]);
  });

  test('hour blocks follow the local wall clock, not UTC: 23:00-00:00 in Kolkata is 17:30-18:30 UTC', () => {
    const zone = ZONES[1];
    const feed = [...noise(local(zone, '23:00'), local(zone, '+00:00'), 62, 10 * SECOND), { tick: local(zone, '+00:00') }];
    const run = drive(evaluateNightNoise, rule({ interval: '1h' }), feed, SITE, gatewayIn(zone));
    expect(run.edges).toHaveLength(1);
    expect(run.edges[0]).toMatchObject({
      at: Date.parse('2026-11-23T18:30:00Z'),
      summary: 'night construction noise: LAeq 1 h 62.0 dB(A) > 55 dB(A) at 23:00-00:00, site hh-9',
      details: { intervalStart: '2026-11-23T17:30:00.000Z', intervalEnd: '2026-11-23T18:30:00.000Z', samples: 360 },
    });
  });
});

describe('night-noise rule schema', () => {
  test('fills in the GB 12523-2011 defaults', () => {
    expect(rule()).toEqual({
      id: 'night-noise',
      kind: 'night-noise',
      title: 'night construction noise',
      metric: 'noise_dba',
      interval: 5 * MINUTE,
      night: { from: 22 * 60, to: 6 * 60, limitDba: 55 },
      dayLimitDba: 70,
      lmaxMargin: 15,
      hysteresisDb: 3,
      minSamples: 10,
      exemptions: [],
      grade: 'P3',
    });
  });

  const exemption = { householdId: 'hh-9', from: '2026-11-23T22:00:00+08:00', to: '2026-11-24T02:00:00+08:00', note: 'permit 2026-117' };
  test.each([
    { field: 'night.from', patch: { night: { from: '25:00' } } },
    { field: 'night.to', patch: { night: { from: '22:00', to: '22:00' } } },
    { field: 'night.limitDba', patch: { night: { limitDba: -5 } } },
    { field: 'interval', patch: { interval: '7m' } },
    { field: 'interval', patch: { interval: 'soon' } },
    { field: 'metric', patch: { metric: 'volume_l' } },
    { field: 'minSamples', patch: { minSamples: 0 } },
    { field: 'title', patch: { title: undefined } },
    { field: 'grade', patch: { grade: 'P9' } },
    { field: 'exemptions.0.from', patch: { exemptions: [{ ...exemption, from: '2026-11-23T22:00:00' }] } },
    { field: 'exemptions.0.to', patch: { exemptions: [{ ...exemption, to: '2026-11-23T21:00:00+08:00' }] } },
    { field: 'exemptions.0.householdId', patch: { exemptions: [{ ...exemption, householdId: 'hh 9' }] } },
  ])('an error names $field', ({ field, patch }) => {
    const result = nightNoiseRuleSchema.safeParse({ id: 'night-noise', kind: 'night-noise', title: 'night construction noise', interval: '5m', grade: 'P3', ...patch });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  test('an unknown field is refused', () => {
    const result = nightNoiseRuleSchema.safeParse({ id: 'n', kind: 'night-noise', title: 't', interval: '5m', grade: 'P3', limit: 55 });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['limit'] });
  });

  test('exemption times become instants', () => {
    expect(rule({ exemptions: [exemption] }).exemptions).toEqual([{ ...exemption, from: Date.parse(exemption.from), to: Date.parse(exemption.to) }]);
  });
});
