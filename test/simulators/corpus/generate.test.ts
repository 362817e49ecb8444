import { beforeAll, describe, expect, test } from 'vitest';
import type { Reading } from '../../../contract/reading.js';
import { maxRatePerMinute } from '../../../contract/metrics.js';
import type { Confounder, Corpus, CorpusOptions, TrueEvent } from '../../../simulators/corpus/corpus.js';
import { generateCorpus } from '../../../simulators/corpus/generate.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START = Date.parse('2026-11-02T00:00:00+08:00');
/** Local wall time in Shanghai, for readable failures. */
const local = (ms: number): string => new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

/** What each device said over the whole corpus, kept small: times and the values the checks need. */
interface Trace {
  at: number[];
  volume: number[];
  contact: number[];
  heart: (number | undefined)[];
}

/** Reads every day of a corpus once, in order, checking each day's order on the way. */
function traceOf(corpus: Corpus): { traces: Map<string, Trace>; perDay: number[] } {
  const traces = new Map<string, Trace>();
  const perDay: number[] = [];
  for (let day = 0; day < corpus.options.days; day++) {
    const readings = corpus.readingsOfDay(day);
    perDay.push(readings.length);
    expectDayInOrder(readings, corpus.options.start + day * DAY);
    for (const r of readings) {
      let t = traces.get(r.deviceId);
      if (!t) traces.set(r.deviceId, (t = { at: [], volume: [], contact: [], heart: [] }));
      t.at.push(r.at);
      t.volume.push(r.metrics.volume_l ?? Number.NaN);
      t.contact.push(r.metrics.contact_closed ?? Number.NaN);
      t.heart.push(r.metrics.heart_rate_bpm);
    }
  }
  return { traces, perDay };
}

function expectDayInOrder(readings: readonly Reading[], dayStart: number): void {
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (r.at < dayStart || r.at >= dayStart + DAY) expect.fail(`${r.deviceId} at ${local(r.at)} is outside the day from ${local(dayStart)}`);
    const prev = readings[i - 1];
    if (prev && (prev.at > r.at || (prev.at === r.at && prev.deviceId > r.deviceId))) expect.fail(`${prev.deviceId} at ${local(prev.at)} before ${r.deviceId} at ${local(r.at)}`);
  }
}

/** Indexes of a trace's readings in [from, until). */
function indexesIn(trace: Trace | undefined, from: number, until: number): number[] {
  const out: number[] = [];
  if (!trace) return out;
  trace.at.forEach((at, i) => {
    if (at >= from && at < until) out.push(i);
  });
  return out;
}

const OPTIONS: CorpusOptions = { seed: 3, households: 80, days: 30, start: START };

describe('the scenario corpus: seeded life of households, with true events and confounders', () => {
  let corpus: Corpus;
  let traces: Map<string, Trace>;
  let perDay: number[];
  const ofKind = (kind: Confounder['kind']): Confounder[] => corpus.confounders.filter((c) => c.kind === kind);
  const truthOf = (kind: TrueEvent['kind']): TrueEvent[] => corpus.truth.filter((t) => t.kind === kind);
  const household = (id: string) => corpus.households.find((h) => h.id === id)!;
  const hasDevice = (id: string) => corpus.households.some((h) => h.devices.some((d) => d.deviceId === id));

  beforeAll(() => {
    corpus = generateCorpus(OPTIONS);
    ({ traces, perDay } = traceOf(corpus));
  });

  test('the same options give the same corpus; a day asked alone reads as in a full run; another seed gives another', () => {
    const again = generateCorpus(OPTIONS);
    expect(again.readingsOfDay(0)).toEqual(corpus.readingsOfDay(0));
    expect(again.readingsOfDay(17)).toEqual(generateCorpus(OPTIONS).readingsOfDay(17));
    expect(again.readingsOfDay(17).length).toBe(perDay[17]);
    expect(again.households).toEqual(corpus.households);
    expect(again.truth).toEqual(corpus.truth);
    expect(again.confounders).toEqual(corpus.confounders);
    const other = generateCorpus({ ...OPTIONS, seed: 4 });
    expect(other.readingsOfDay(0)).not.toEqual(corpus.readingsOfDay(0));
    expect(() => corpus.readingsOfDay(30)).toThrow(RangeError);
    expect(() => generateCorpus({ ...OPTIONS, days: 0 })).toThrow(RangeError);
  });

  test('every household has its water meter reporting every 15 min with jitter; doors and bands as profiled', () => {
    for (const h of corpus.households) {
      const water = h.devices.find((d) => d.profile === 'generic/mqtt-water-flow');
      expect(water, h.id).toEqual({ deviceId: `${h.id}-water`, profile: 'generic/mqtt-water-flow', heartbeatMs: 15 * MINUTE });
      const band = h.devices.find((d) => d.profile === 'generic/mqtt-wristband');
      if (band) expect(band).toEqual({ deviceId: `${h.id}-band`, profile: 'generic/mqtt-wristband', heartbeatMs: 5 * MINUTE, homeRangeOnly: true });
    }
    const meter = traces.get('hh-001-water')!;
    const gaps = meter.at.slice(1).map((at, i) => at - meter.at[i]!);
    const usual = gaps.filter((g) => g < HOUR);
    expect(Math.min(...usual)).toBeGreaterThanOrEqual(15 * MINUTE - 40 * SECOND);
    expect(Math.max(...usual)).toBeLessThanOrEqual(15 * MINUTE + 40 * SECOND);
    expect(new Set(usual).size).toBeGreaterThan(100); // jitter, not a clock tick
  });

  test('water volumes never go back, across day boundaries, and never faster than a meter can pass', () => {
    let meters = 0;
    for (const [deviceId, t] of traces) {
      if (!deviceId.endsWith('-water')) continue;
      meters++;
      expect(t.at.length, deviceId).toBeGreaterThan(30 * 80);
      for (let i = 1; i < t.at.length; i++) {
        const rise = t.volume[i]! - t.volume[i - 1]!;
        const minutes = (t.at[i]! - t.at[i - 1]!) / MINUTE;
        if (rise < 0 || rise > maxRatePerMinute('volume_l') * minutes) expect.fail(`${deviceId} ${t.volume[i - 1]} -> ${t.volume[i]} L at ${local(t.at[i]!)}`);
      }
      expect(t.volume[t.volume.length - 1]! - t.volume[0]!, deviceId).toBeGreaterThan(200);
    }
    expect(meters).toBe(80);
  });

  test('a band reports nothing while its wearer is out, and one with a wearer at home reports every 5 min', () => {
    const outs = [...ofKind('band-out'), ...ofKind('day-trip')].filter((c) => hasDevice(`${c.householdId}-band`));
    expect(outs.length).toBeGreaterThan(50);
    for (const c of outs) {
      const inside = indexesIn(traces.get(`${c.householdId}-band`), c.from, c.until);
      if (inside.length > 0) expect.fail(`${c.householdId} band reports at ${local(traces.get(`${c.householdId}-band`)!.at[inside[0]!]!)} while out (${c.kind} ${local(c.from)} - ${local(c.until)})`);
    }
    const bands = [...traces.keys()].filter((id) => id.endsWith('-band'));
    expect(bands.length).toBeGreaterThan(15);
    for (const id of bands) {
      const t = traces.get(id)!;
      expect(t.at.length, id).toBeGreaterThan(30 * 288 * 0.4);
    }
  });

  test('never two band readings in a row over 120 outside tachycardia, nor two in a row below 50', () => {
    const tachy = truthOf('tachycardia');
    let exertion = 0;
    for (const [id, t] of traces) {
      if (!id.endsWith('-band')) continue;
      const hh = id.slice(0, -'-band'.length);
      for (let i = 1; i < t.at.length; i++) {
        const [a, b] = [t.heart[i - 1], t.heart[i]];
        if (a === undefined || b === undefined) continue;
        const inRun = tachy.some((e) => e.householdId === hh && t.at[i]! >= e.from && t.at[i - 1]! < e.until);
        if (a > 120 && b > 120 && !inRun) expect.fail(`${id}: ${a} then ${b} bpm at ${local(t.at[i]!)}`);
        if (a < 50 && b < 50) expect.fail(`${id}: ${a} then ${b} bpm at ${local(t.at[i]!)}`);
        if (b > 120 && !inRun) exertion++;
      }
    }
    expect(exertion).toBeGreaterThan(5);
    expect(exertion).toBe(ofKind('exertion').length);
  });

  test('no water is drawn while nobody is at home (a day trip; a slow drip may still turn the meter)', () => {
    const trips = ofKind('day-trip');
    expect(trips.length).toBeGreaterThan(20);
    for (const c of trips) {
      const meter = traces.get(`${c.householdId}-water`)!;
      const inside = indexesIn(meter, c.from + 2 * MINUTE, c.until);
      expect(inside.length, c.householdId).toBeGreaterThan(20);
      const [a, b] = [inside[0]!, inside[inside.length - 1]!];
      const hours = (meter.at[b]! - meter.at[a]!) / HOUR;
      if (meter.volume[b]! - meter.volume[a]! > 0.3 * hours + 0.15) expect.fail(`${c.householdId} drew ${meter.volume[b]! - meter.volume[a]!} L out on a day trip ${local(c.from)} - ${local(c.until)}`);
    }
  });

  test('a reported absence has no door use and no water drawn inside; the meter keeps reporting', () => {
    const away = corpus.households.flatMap((h) => h.away.map((a) => ({ ...a, id: h.id })));
    expect(away.length).toBeGreaterThan(5);
    for (const a of away) {
      const door = traces.get(`${a.id}-door`);
      for (const i of indexesIn(door, a.from, a.until)) if (door!.contact[i] === 0) expect.fail(`${a.id} door opened at ${local(door!.at[i]!)} while away`);
      const meter = traces.get(`${a.id}-water`)!;
      const inside = indexesIn(meter, a.from, a.until);
      const span = Math.min(a.until, START + 30 * DAY) - a.from;
      if (span > 2 * HOUR) expect(inside.length, a.id).toBeGreaterThan((span / (15 * MINUTE)) * 0.5);
      const volumes = new Set(inside.map((i) => meter.volume[i]));
      expect(volumes.size, `${a.id} ${local(a.from)} - ${local(a.until)}`).toBeLessThanOrEqual(1);
    }
  });

  test('from an incapacitation on, no water drawn and no door used until she is found; the band keeps reporting', () => {
    const incapacitations = truthOf('incapacitation');
    expect(incapacitations.length).toBeGreaterThan(2);
    for (const e of incapacitations) {
      expect(e.until - e.from).toBeGreaterThanOrEqual(36 * HOUR);
      expect(e.until - e.from).toBeLessThanOrEqual(48 * HOUR);
      const door = traces.get(`${e.householdId}-door`);
      for (const i of indexesIn(door, e.from, e.until)) if (door!.contact[i] === 0) expect.fail(`${e.householdId} door opened at ${local(door!.at[i]!)} after ${local(e.from)}`);
      // A slow drip (< 0.3 L/h) may still turn the meter; a draw would not fit under that.
      const meter = traces.get(`${e.householdId}-water`)!;
      const inside = indexesIn(meter, e.from, e.until);
      for (let j = 1; j < inside.length; j++) {
        const [a, b] = [inside[j - 1]!, inside[j]!];
        const hours = (meter.at[b]! - meter.at[a]!) / HOUR;
        if (meter.volume[b]! - meter.volume[a]! > 0.3 * hours + 0.15) expect.fail(`${e.householdId} drew ${meter.volume[b]! - meter.volume[a]!} L at ${local(meter.at[b]!)} after ${local(e.from)}`);
      }
      const band = traces.get(`${e.householdId}-band`);
      if (band && e.until < START + 30 * DAY) expect(indexesIn(band, e.from, e.until).length, e.householdId).toBeGreaterThan(((e.until - e.from) / (5 * MINUTE)) * 0.8);
      // Life resumes after.
      expect(corpus.truth.some((t) => t !== e && t.householdId === e.householdId && t.from < e.until && t.until > e.from)).toBe(false);
    }
  });

  test('tachycardia: at least 4 band readings in a row over 120 from its first; SOS and falls are band events at home', () => {
    for (const e of truthOf('tachycardia')) {
      const band = traces.get(e.deviceId!)!;
      const first = band.at.indexOf(e.from);
      expect(first, `${e.householdId} ${local(e.from)}`).toBeGreaterThanOrEqual(0);
      for (let i = first; i < first + 4; i++) expect(band.heart[i]).toBeGreaterThan(120);
    }
    for (const e of [...truthOf('sos'), ...truthOf('fall')]) {
      const day = Math.floor((e.from - START) / DAY);
      const reading = corpus.readingsOfDay(day).find((r) => r.deviceId === e.deviceId && r.at === e.from);
      expect(reading?.events, `${e.householdId} ${e.kind} ${local(e.from)}`).toEqual([e.kind]);
    }
    for (const e of truthOf('meter-fault')) {
      const meter = traces.get(e.deviceId!)!;
      expect(meter.at).toContain(e.from);
      expect(indexesIn(meter, e.from + 1, e.until)).toEqual([]);
      expect(e.until - e.from).toBeGreaterThanOrEqual(DAY - MINUTE);
    }
  });

  test('no true event starts while its household is away', () => {
    const absences = corpus.confounders.filter((c) => c.kind.startsWith('away-'));
    for (const e of corpus.truth) {
      const away = absences.find((a) => a.householdId === e.householdId && e.from >= a.from - HOUR && e.from < a.until + HOUR);
      if (away) expect.fail(`${e.householdId} ${e.kind} at ${local(e.from)} during ${away.kind} ${local(away.from)} - ${local(away.until)}`);
    }
  });

  test('a low water user draws 23-30 L on an ordinary day', () => {
    const quiet: readonly Confounder['kind'][] = ['low-water-user', 'nap', 'early-bed', 'stay-in-day', 'low-resting-hr', 'exertion', 'band-out'];
    const low = corpus.households.filter((h) => h.litresPerDay <= 30);
    expect(low.length).toBeGreaterThan(0);
    expect(ofKind('low-water-user').map((c) => c.householdId)).toEqual(low.map((h) => h.id));
    let days = 0;
    for (const h of low) {
      const meter = traces.get(`${h.id}-water`)!;
      for (let d = 0; d + 1 < OPTIONS.days; d++) {
        const [from, until] = [START + d * DAY, START + (d + 1) * DAY];
        const busy = corpus.confounders.some((c) => c.householdId === h.id && !quiet.includes(c.kind) && c.from < until && c.until > from);
        const truth = corpus.truth.some((t) => t.householdId === h.id && t.from < until + HOUR && t.until > from - HOUR);
        if (busy || truth) continue;
        const a = indexesIn(meter, from, until)[0];
        const b = indexesIn(meter, until, until + DAY)[0];
        if (a === undefined || b === undefined) continue;
        const litres = meter.volume[b]! - meter.volume[a]!;
        expect(litres, `${h.id} on ${local(from)}`).toBeGreaterThanOrEqual(23 - 0.2);
        expect(litres, `${h.id} on ${local(from)}`).toBeLessThanOrEqual(30 + 0.2);
        days++;
      }
    }
    expect(days).toBeGreaterThan(10);
    expect(household(low[0]!.id).tags).toContain('living-alone');
  });
});

describe('the scenario corpus at its bench size, 200 households x 30 days', () => {
  test('persona shares, devices and counts of true events and confounders are sane (plans only)', () => {
    for (const seed of [1, 2]) {
      const corpus = generateCorpus({ seed, households: 200, days: 30, start: START });
      const personas = new Map<string, number>();
      for (const h of corpus.households) personas.set(h.persona, (personas.get(h.persona) ?? 0) + 1);
      expect(Object.fromEntries(personas)).toEqual({ 'elder-alone-80': 70, 'elder-alone': 50, alone: 40, couple: 40 });
      expect(corpus.households.map((h) => h.id).slice(0, 2)).toEqual(['hh-001', 'hh-002']);
      for (const h of corpus.households) {
        const tags = { 'elder-alone-80': ['living-alone', 'aged-80-plus'], 'elder-alone': ['living-alone'], alone: ['living-alone'], couple: [] }[h.persona];
        expect(h.tags).toEqual(tags);
        expect(h.litresPerDay).toBeGreaterThanOrEqual(23);
        expect(h.litresPerDay).toBeLessThanOrEqual(200);
      }
      const share = (profile: string) => corpus.households.filter((h) => h.devices.some((d) => d.profile === profile)).length / 200;
      expect(share('generic/mqtt-water-flow')).toBe(1);
      expect(share('aqara/mccgq11lm')).toBeGreaterThan(0.75);
      expect(share('aqara/mccgq11lm')).toBeLessThan(0.95);
      const bands = corpus.households.filter((h) => h.devices.some((d) => d.profile === 'generic/mqtt-wristband'));
      const elderBands = bands.filter((h) => h.persona.startsWith('elder')).length / 120;
      expect(elderBands).toBeGreaterThan(0.35);
      expect(elderBands).toBeLessThan(0.65);
      const low = corpus.households.filter((h) => h.litresPerDay <= 30).length / 120;
      expect(low).toBeGreaterThan(0.05);
      expect(low).toBeLessThan(0.3);

      const truth = (kind: TrueEvent['kind']) => corpus.truth.filter((t) => t.kind === kind).length;
      const confounders = (kind: Confounder['kind']) => corpus.confounders.filter((c) => c.kind === kind).length;
      expect(truth('incapacitation')).toBeGreaterThanOrEqual(6);
      expect(truth('incapacitation')).toBeLessThanOrEqual(30);
      for (const kind of ['sos', 'fall', 'tachycardia'] as const) {
        expect(truth(kind), kind).toBeGreaterThanOrEqual(1);
        expect(truth(kind), kind).toBeLessThanOrEqual(bands.length / 5);
      }
      expect(truth('meter-fault')).toBeGreaterThanOrEqual(2);
      expect(truth('meter-fault')).toBeLessThanOrEqual(20);
      expect(corpus.truth.filter((t) => t.kind === 'incapacitation' && corpus.households.find((h) => h.id === t.householdId)!.persona === 'couple').length).toBeLessThanOrEqual(3);
      expect(confounders('away-unreported')).toBeGreaterThanOrEqual(1);
      expect(confounders('away-unreported')).toBeLessThanOrEqual(15);
      expect(confounders('away-reported') + confounders('away-overran')).toBe(corpus.households.reduce((n, h) => n + h.away.length, 0));
      expect(confounders('stay-in-day')).toBeGreaterThan(100);
      for (const kind of ['day-trip', 'early-bed', 'nap', 'visitors', 'holiday', 'exertion', 'low-resting-hr', 'band-out', 'away-overran'] as const) expect(confounders(kind), kind).toBeGreaterThan(0);
    }
  });

  test('generates its readings in reasonable time (printed, not asserted)', () => {
    const t0 = performance.now();
    const corpus = generateCorpus({ seed: 1, households: 200, days: 30, start: START });
    const planned = performance.now();
    let readings = 0;
    for (let day = 0; day < 30; day++) readings += corpus.readingsOfDay(day).length;
    const done = performance.now();
    console.log(`corpus 200 x 30: ${readings} readings; plans ${Math.round(planned - t0)} ms, readings ${Math.round(done - planned)} ms`);
    expect(readings).toBeGreaterThan(1_000_000);
  });
});
