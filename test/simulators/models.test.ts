import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Reading } from '../../contract/reading.js';
import type { Alert } from '../../contract/alert.js';
import { DEFAULT_RULES } from '../../gateway/rules/book/defaults.js';
import { haversineM } from '../../gateway/rules/measures/geometry.js';
import { laeq } from '../../gateway/rules/measures/laeq.js';
import { householdSchema } from '../../gateway/rules/book/rule-book.js';
import type { RuleConfig } from '../../gateway/rules/kinds/registry.js';
import type { DeviceModel, MetricValues } from '../../simulators/fleet/device-model.js';
import { offsetM } from '../../simulators/models/common.js';
import { doorModel } from '../../simulators/models/door.js';
import { electricityModel, electricityModelSchema } from '../../simulators/models/electricity.js';
import { noiseModel, noiseModelSchema } from '../../simulators/models/noise.js';
import { sosButtonModel } from '../../simulators/models/sos-button.js';
import { waterModel, waterModelSchema } from '../../simulators/models/water.js';
import { wristbandModel, wristbandModelSchema } from '../../simulators/models/wristband.js';
import { feedModels, type ModelDevice } from '../support/rules/model-feed.js';
import { ruleHarness } from '../support/rules/rule-harness.js';
import { tempDir } from '../support/temp-dir.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const START_ISO = '2026-11-02T00:00:00+08:00';
const START = Date.parse(START_ISO);
const CITY = { lat: 31.2304, lon: 121.4737 };

/** An ISO instant `hours` after the local midnight of `day` (Shanghai, UTC+8). */
const iso = (day: number, hours: number): string => new Date(START + day * DAY + Math.round(hours * HOUR)).toISOString().replace('Z', '+00:00');
const at = (day: number, hours: number): number => Date.parse(iso(day, hours));
/** Local wall time in Shanghai, for readable failures. */
const local = (ms: number): string => new Date(ms + 8 * HOUR).toISOString().slice(0, 19).replace('T', ' ');

const modelsOf = (seed: number): Record<string, DeviceModel> => ({
  water: waterModel({ seed, installedAt: START_ISO }),
  door: doorModel({ seed, installedAt: START_ISO }),
  wristband: wristbandModel({ seed, installedAt: START_ISO, home: CITY }),
  electricity: electricityModel({ seed, installedAt: START_ISO }),
  noise: noiseModel({ seed }),
});

/** Values every 7 min for 3 days, and the reports pushed over the same span. */
function trace(model: DeviceModel): { values: MetricValues[]; reports: unknown[] } {
  const values: MetricValues[] = [];
  for (let t = START; t < START + 3 * DAY; t += 7 * MINUTE) values.push(model.valuesAt(t));
  const reports: unknown[] = [];
  for (let r = model.nextReportAfter(START); r && r.at < START + 3 * DAY; r = model.nextReportAfter(r.at)) reports.push(r);
  return { values, reports };
}

describe('device models on their own', () => {
  test('each model shows the same household for the same seed, and another for another seed', () => {
    const a = modelsOf(7);
    const b = modelsOf(7);
    const c = modelsOf(8);
    for (const kind of Object.keys(a)) {
      expect(trace(b[kind]!), kind).toEqual(trace(a[kind]!));
      expect(trace(c[kind]!).values, kind).not.toEqual(trace(modelsOf(7)[kind]!).values);
    }
    const button = () => sosButtonModel({ installedAt: START_ISO, presses: [iso(1, 10)] });
    expect(trace(button())).toEqual(trace(button()));
  });

  test('counters never go down, however often they are read, and read the same however they were read before', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.array(fc.integer({ min: 0, max: 40 * DAY }), { minLength: 2, maxLength: 60 }), (seed, offsets) => {
        const times = offsets.sort((x, y) => x - y).map((o) => START + o);
        const water = waterModel({ seed, installedAt: START_ISO });
        const power = electricityModel({ seed, installedAt: START_ISO });
        let lastL = -1;
        let lastKwh = -1;
        for (const t of times) {
          const l = water.valuesAt(t).volume_l!;
          const kwh = power.valuesAt(t).energy_kwh!;
          expect(l).toBeGreaterThanOrEqual(lastL);
          expect(kwh).toBeGreaterThanOrEqual(lastKwh);
          lastL = l;
          lastKwh = kwh;
        }
        // A model asked only at the end agrees with one asked all along.
        const end = times[times.length - 1]!;
        expect(waterModel({ seed, installedAt: START_ISO }).valuesAt(end).volume_l).toBe(lastL);
        expect(electricityModel({ seed, installedAt: START_ISO }).valuesAt(end).energy_kwh).toBe(lastKwh);
      }),
      { numRuns: 40 },
    );
  });

  test('options are strict, take ISO 8601 instants with an offset and durations with units', () => {
    expect(waterModelSchema.parse({ seed: 1, installedAt: START_ISO, interval: '10m' })).toMatchObject({ installedAt: START, interval: 10 * MINUTE, initialVolumeL: 1000 });
    expect(waterModelSchema.safeParse({ seed: 1, installedAt: '2026-11-02T00:00:00' }).success).toBe(false);
    expect(waterModelSchema.safeParse({ seed: 1, installedAt: START_ISO, interval: 15 }).success).toBe(false);
    expect(electricityModelSchema.safeParse({ seed: 1, installedAt: START_ISO, lowFactr: 0.1 }).success).toBe(false);
    expect(wristbandModelSchema.safeParse({ seed: 1, installedAt: START_ISO, home: CITY, heartRate: [{ from: iso(1, 2), until: iso(1, 1), bpm: 130 }] }).success).toBe(false);
    expect(noiseModelSchema.parse({ seed: 1 }).workHours).toEqual([
      { from: 7 * 60, to: 12 * 60 },
      { from: 13 * 60, to: 19 * 60 },
    ]);
  });

  test('the water meter reports on a fixed grid from its installation; a use runs at a tap\'s rate', () => {
    const model = waterModel({ seed: 3, installedAt: START_ISO, interval: '15m' });
    expect(model.nextReportAfter(START - 1).at).toBe(START);
    expect(model.nextReportAfter(START + 20 * MINUTE).at).toBe(START + 30 * MINUTE);
    // Find a use, second by second, on the first day.
    let before = model.valuesAt(START).volume_l!;
    let t = START;
    while (model.valuesAt(t + MINUTE).volume_l === before) t += MINUTE;
    const running = model.valuesAt(t + MINUTE);
    expect(running.flow_lpm).toBe(8);
    expect(running.volume_l! - before).toBeLessThanOrEqual(8);
    before = running.volume_l!;
    expect(model.valuesAt(t + 10 * HOUR).volume_l).toBeGreaterThan(before);
    expect(model.valuesAt(t + 10 * HOUR).battery_pct).toBe(95);
  });

  test('after stopsAt the water counter stands still, and the meter keeps reporting', () => {
    const model = waterModel({ seed: 3, installedAt: START_ISO, stopsAt: iso(2, 22) });
    const at22 = model.valuesAt(at(2, 22) + 10 * MINUTE).volume_l;
    expect(model.valuesAt(at(5, 12)).volume_l).toBe(at22);
    expect(model.nextReportAfter(at(5, 12)).at).toBe(at(5, 12) + 15 * MINUTE);
  });

  test('the door reports each change at once and checks in every 50 min; it is closed at midnight', () => {
    const model = doorModel({ seed: 5, installedAt: START_ISO });
    const reports: Array<[number, number]> = [];
    for (let r = model.nextReportAfter(START); r.at < START + DAY; r = model.nextReportAfter(r.at)) reports.push([r.at, model.valuesAt(r.at).contact_closed!]);
    const checkIns = reports.filter(([t]) => (t - START) % (50 * MINUTE) === 0);
    expect(checkIns.length).toBe(Math.ceil(DAY / (50 * MINUTE)) - 1);
    const changes = reports.filter(([, v], i) => v !== (i === 0 ? 1 : reports[i - 1]![1]));
    expect(changes.length).toBeGreaterThanOrEqual(8);
    // Every opening is closed again within two minutes, at a report of its own.
    for (let i = 0; i < changes.length; i += 2) {
      expect(changes[i]![1]).toBe(0);
      expect(changes[i + 1]![1]).toBe(1);
      expect(changes[i + 1]![0] - changes[i]![0]).toBeLessThanOrEqual(2 * MINUTE);
    }
    expect(model.valuesAt(START + DAY - 1).contact_closed).toBe(1);
  });

  test('the SOS button checks in and reports each press with the sos event', () => {
    const model = sosButtonModel({ installedAt: START_ISO, checkIn: '4h', presses: [iso(0, 10.5), iso(0, 12)] });
    expect(model.nextReportAfter(START)).toEqual({ at: START + 4 * HOUR, events: [] });
    expect(model.nextReportAfter(START + 9 * HOUR)).toEqual({ at: at(0, 10.5), events: ['sos'] });
    expect(model.nextReportAfter(at(0, 10.5))).toEqual({ at: at(0, 12), events: ['sos'] });
    expect(model.nextReportAfter(at(0, 12))).toEqual({ at: START + 16 * HOUR, events: [] });
    expect(model.valuesAt(START + 100 * DAY).battery_pct).toBe(73);
  });

  test('the wristband stays near home, its vital signs in range, its battery charged every evening', () => {
    const model = wristbandModel({ seed: 11, installedAt: START_ISO, home: CITY, roamM: 250 });
    const hr: number[] = [];
    const spo2: number[] = [];
    const battery: number[] = [];
    let farthest = 0;
    for (let r = model.nextReportAfter(START); r.at < START + 10 * DAY; r = model.nextReportAfter(r.at)) {
      expect(r.at - START).toSatisfy((d: number) => d % (5 * MINUTE) === 0);
      const v = model.valuesAt(r.at);
      farthest = Math.max(farthest, haversineM({ lat: v.latitude_deg!, lon: v.longitude_deg! }, CITY));
      if (v.heart_rate_bpm !== undefined) hr.push(v.heart_rate_bpm);
      if (v.spo2_pct !== undefined) spo2.push(v.spo2_pct);
      battery.push(v.battery_pct!);
    }
    expect(farthest).toBeGreaterThan(150); // she goes out
    expect(farthest).toBeLessThan(250 + 10);
    expect(Math.min(...hr)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...hr)).toBeLessThanOrEqual(110);
    expect(Math.max(...hr) - Math.min(...hr)).toBeGreaterThan(15); // asleep vs walking
    expect([Math.min(...spo2), Math.max(...spo2)]).toEqual([95, 99]);
    expect(Math.min(...battery)).toBeGreaterThan(25);
    expect(battery.filter((b) => b === 100).length).toBeGreaterThanOrEqual(10);
    // Off the wrist while it charges: no heart rate then.
    expect(hr.length).toBeLessThan(battery.length - 10 * 10);
  });

  test('the wristband reports an SOS and a fall at once, an episode\'s heart rate, and walks 2 km when she wanders', () => {
    const model = wristbandModel({
      seed: 11,
      installedAt: START_ISO,
      home: CITY,
      sosAt: iso(1, 10.123),
      fallAt: iso(2, 16.7),
      heartRate: [{ from: iso(3, 15), until: iso(3, 15.25), bpm: 131 }],
      wandersAt: iso(4, 23),
    });
    expect(model.nextReportAfter(at(1, 10.1))).toEqual({ at: at(1, 10.123), events: ['sos'] });
    expect(model.nextReportAfter(at(2, 16.69))).toEqual({ at: at(2, 16.7), events: ['fall'] });
    expect(model.valuesAt(at(3, 15.1)).heart_rate_bpm).toBe(131);
    expect(model.valuesAt(at(3, 15.3)).heart_rate_bpm).toBeLessThan(120);
    const away = (t: number) => {
      const v = model.valuesAt(t);
      return haversineM({ lat: v.latitude_deg!, lon: v.longitude_deg! }, CITY);
    };
    expect(away(at(4, 23) + 15 * MINUTE)).toBeGreaterThan(900);
    expect(away(at(5, 3))).toBeCloseTo(2000, -1);
  });

  test('the electricity meter: current is P / (V x PF), voltage 220-230 V, 50 Hz, 3-7 kWh a day; polled only', () => {
    const model = electricityModel({ seed: 4, installedAt: START_ISO, initialKwh: 1234.5 });
    expect(model.nextReportAfter()).toBeUndefined();
    expect(model.valuesAt(START).energy_kwh).toBe(1234.5);
    let last = 1234.5;
    let maxW = 0;
    for (let t = START; t <= START + 7 * DAY; t += 3 * MINUTE) {
      const v = model.valuesAt(t);
      expect(v.voltage_v!).toBeGreaterThanOrEqual(220);
      expect(v.voltage_v!).toBeLessThanOrEqual(230);
      expect(Math.abs(v.frequency_hz! - 50)).toBeLessThanOrEqual(0.06);
      // From the rounded figures the meter shows: within their rounding.
      expect(Math.abs(v.current_a! - v.power_w! / (v.voltage_v! * v.power_factor!))).toBeLessThan(0.002 + 0.003 * v.current_a!);
      expect(v.power_factor!).toBeGreaterThan(0.4);
      expect(v.power_factor!).toBeLessThanOrEqual(1);
      maxW = Math.max(maxW, v.power_w!);
      if ((t - START) % DAY === 0 && t > START) {
        expect(v.energy_kwh! - last).toBeGreaterThan(3);
        expect(v.energy_kwh! - last).toBeLessThan(7);
        last = v.energy_kwh!;
      }
    }
    expect(maxW).toBeGreaterThan(1500); // the kettle, the water heater
  });

  test('the noise sensor: works under the day limit as LAeq, a quiet night, and night work at its level', () => {
    const model = noiseModel({ seed: 2, nightWork: [{ from: iso(1, 23), until: iso(2, 1), dba: 68 }] });
    expect(model.nextReportAfter()).toBeUndefined();
    const block = (from: number) => Array.from({ length: 300 }, (_, s) => model.valuesAt(from + s * SECOND).noise_dba!);
    let loudest = 0;
    for (let t = at(0, 7); t < at(0, 19); t += 5 * MINUTE) loudest = Math.max(loudest, laeq(block(t)));
    expect(loudest).toBeGreaterThan(62);
    expect(loudest).toBeLessThanOrEqual(70);
    const night = block(at(0, 23)).concat(block(at(1, 3)));
    expect(Math.min(...night)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...night)).toBeLessThanOrEqual(50);
    expect(laeq(block(at(1, 23.5)))).toBeCloseTo(68, 0);
    expect(Math.max(...block(at(1, 23.5)))).toBeLessThan(70); // no Lmax alarm: the LAeq does it
  });
});

// ---- through the real rule engine ----

type Row = [rule: string, kind: string, grade: string, device: string, at: string];

/** An elder's home: water meter, door contact, electricity meter (polled), wristband and SOS button. */
function household(n: number, id: string, incidents: { water?: object; door?: object; electricity?: object; band?: object; button?: object } = {}) {
  const seed = 100 + n;
  const home = offsetM(CITY, 0, n * 1500);
  const ctx = (kind: string, heartbeatMs: number) => ({ deviceId: `${id}-${kind}`, householdId: id, heartbeatMs });
  const devices: Record<string, ModelDevice> = {
    water: { device: ctx('water', 15 * MINUTE), model: waterModel({ seed, installedAt: START_ISO, ...incidents.water }) },
    door: { device: ctx('door', HOUR), model: doorModel({ seed, installedAt: START_ISO, ...incidents.door }) },
    power: { device: ctx('power', 15 * MINUTE), model: electricityModel({ seed, installedAt: START_ISO, ...incidents.electricity }), pollMs: 15 * MINUTE },
    band: { device: ctx('band', 5 * MINUTE), model: wristbandModel({ seed, installedAt: START_ISO, home, ...incidents.band }) },
    button: { device: ctx('button', 12 * HOUR), model: sosButtonModel({ installedAt: START_ISO, ...incidents.button }) },
  };
  return { id, home, devices };
}

describe('30 days of simulated homes through the real rule engine (default catalogue + a 300 m fence)', () => {
  const DAYS = 30;
  const END = START + DAYS * DAY;
  const WATER_STOPS = iso(10, 21.75);
  const DOOR_STOPS = iso(11, 8);
  const BOTH_STOP = iso(13, 22);
  const POWER_LOW = iso(12, 0);
  const PRESS = iso(14, 10 + 17 / 60 + 23 / 3600);
  const BAND_SOS = iso(15, 9.5);
  const FALL = iso(16, 16.7);
  const HEART = { from: iso(17, 15), until: iso(17, 15 + 10 / 60), bpm: 130 };
  const WANDERS = iso(19, 22 + 58 / 60);

  const homes = {
    normal: household(0, 'hh-normal'),
    noWater: household(1, 'hh-no-water', { water: { stopsAt: WATER_STOPS } }),
    noDoor: household(2, 'hh-no-door', { door: { stopsAt: DOOR_STOPS } }),
    welfare: household(3, 'hh-welfare', { water: { stopsAt: BOTH_STOP }, door: { stopsAt: BOTH_STOP } }),
    powerLow: household(4, 'hh-power-low', { electricity: { lowFrom: POWER_LOW } }),
    button: household(5, 'hh-button', { button: { presses: [PRESS] } }),
    bandSos: household(6, 'hh-band-sos', { band: { sosAt: BAND_SOS } }),
    fall: household(7, 'hh-fall', { band: { fallAt: FALL } }),
    heart: household(8, 'hh-heart', { band: { heartRate: [HEART] } }),
    wander: household(9, 'hh-wander', { band: { wandersAt: WANDERS } }),
  };
  const FENCE: RuleConfig = {
    id: 'geofence',
    kind: 'geofence',
    title: 'left the safe area',
    fences: Object.values(homes).map((h) => ({ householdId: h.id, shape: { type: 'circle' as const, center: h.home, radiusM: 300 } })),
    grade: 'P2',
  };

  let alerts: Alert[];
  let readings: Reading[];
  beforeAll(async () => {
    const households = Object.values(homes).map((h) =>
      // The normal elder is 80+ and lives alone: the stricter 12 h no-water window watches her too.
      householdSchema.parse({ id: h.id, tags: h === homes.normal ? ['living-alone', 'aged-80-plus'] : ['living-alone'] }),
    );
    const devices = Object.values(homes).flatMap((h) => Object.values(h.devices));
    const h = ruleHarness(tempDir(), { rules: [...DEFAULT_RULES, FENCE], households, devices: devices.map((d) => d.device), startedAt: START });
    readings = await feedModels(h, devices, START, END);
    alerts = h.outbox.peek(100_000).map((e) => e.alert);
    h.close();
  }, 120_000);

  const rowsOf = (householdId: string): Row[] =>
    alerts.filter((a) => a.householdId === householdId).map((a) => [a.rule, a.kind, a.grade, a.deviceId, local(Date.parse(a.at))]);
  const readingsOf = (deviceId: string) => readings.filter((r) => r.deviceId === deviceId);

  /** When the last 10 L of use were complete: the no-water window runs from the meter's reading of them. */
  function waterQuietFrom(deviceId: string): number {
    const frames = readingsOf(deviceId);
    let used = 0;
    for (let i = frames.length - 1; i > 0; i--) {
      used += frames[i]!.metrics.volume_l! - frames[i - 1]!.metrics.volume_l!;
      if (used >= 10 - 1e-6) return frames[i]!.at;
    }
    throw new Error(`${deviceId} never used 10 L`);
  }
  function lastDoorChange(deviceId: string): number {
    const frames = readingsOf(deviceId);
    let last = frames[0]!.at;
    for (let i = 1; i < frames.length; i++) if (frames[i]!.metrics.contact_closed !== frames[i - 1]!.metrics.contact_closed) last = frames[i]!.at;
    return last;
  }

  test('a household living its routine raises nothing in 30 days', () => {
    expect(readings.length).toBeGreaterThan(100_000);
    expect(rowsOf(homes.normal.id)).toEqual([]);
  });

  test('water stops after her evening: "no water use" 24 h after the meter read her last 10 L, and nothing else', () => {
    const h = homes.noWater;
    const quietFrom = waterQuietFrom(h.devices.water!.device.deviceId);
    expect(quietFrom).toBeGreaterThan(at(10, 18));
    // The door kept being used: one quiet sensor while another shows life is a P4 call to check.
    expect(rowsOf(h.id)).toEqual([['no-water-use', 'raise', 'P4', h.devices.water!.device.deviceId, local(quietFrom + 24 * HOUR)]]);
  });

  test('the door is never opened again while water is drawn: a stay-in life, nothing raised', () => {
    const h = homes.noDoor;
    const last = lastDoorChange(h.devices.door!.device.deviceId);
    expect(last).toBeLessThan(Date.parse(DOOR_STOPS));
    expect(last).toBeGreaterThan(Date.parse(DOOR_STOPS) - 12 * HOUR);
    // Water kept being drawn: "no door activity" is held back while another device shows life.
    expect(rowsOf(h.id)).toEqual([]);
  });

  test('water and door both stop: a P1 welfare check once both are quiet beyond her usual (a morning without water), then no water at 24 h as a call to check', () => {
    const h = homes.welfare;
    const water = waterQuietFrom(h.devices.water!.device.deviceId);
    const door = lastDoorChange(h.devices.door!.device.deviceId);
    const rows = rowsOf(h.id);
    const [welfare, ...rest] = rows;
    expect(welfare!.slice(0, 4)).toEqual(['welfare-check', 'raise', 'P1', `household:${h.id}`]);
    // Learned from her own nights: later than 8 h after both stopped, long before the fixed 24 h.
    const welfareAt = alerts.find((a) => a.householdId === h.id && a.rule === 'welfare-check')!;
    expect(welfareAt.details.learned, welfareAt.summary).toBe(true);
    expect(Date.parse(welfareAt.at)).toBeGreaterThan(Math.max(water, door) + 8 * HOUR);
    expect(Date.parse(welfareAt.at)).toBeLessThan(Math.max(water, door) + 16 * HOUR);
    // The welfare check is the dispatch in a home with a door: no water calls to check, and "no
    // door activity" (a door-only home's dispatch) opens no second ticket.
    expect(rest).toEqual([['no-water-use', 'raise', 'P4', h.devices.water!.device.deviceId, local(water + 24 * HOUR)]]);
  });

  test('electricity falls to a tenth from a midnight: "electricity anomaly" at the end of that day, and nothing else', () => {
    const h = homes.powerLow;
    expect(rowsOf(h.id)).toEqual([['electricity-anomaly', 'raise', 'P2', h.devices.power!.device.deviceId, local(at(13, 0))]]);
  });

  test('the SOS button pressed once: one P1 at the press', () => {
    const h = homes.button;
    expect(rowsOf(h.id)).toEqual([['sos', 'raise', 'P1', h.devices.button!.device.deviceId, local(Date.parse(PRESS))]]);
  });

  test('the wristband\'s SOS and fall: one P1 each, at once', () => {
    expect(rowsOf(homes.bandSos.id)).toEqual([['sos', 'raise', 'P1', homes.bandSos.devices.band!.device.deviceId, local(Date.parse(BAND_SOS))]]);
    expect(rowsOf(homes.fall.id)).toEqual([['fall', 'raise', 'P1', homes.fall.devices.band!.device.deviceId, local(Date.parse(FALL))]]);
  });

  test('heart rate 130 for 10 min: raised 5 min after the first reading of it, cleared by the next normal one', () => {
    const h = homes.heart;
    const from = Date.parse(HEART.from);
    expect(rowsOf(h.id)).toEqual([
      ['heart-rate', 'raise', 'P1', h.devices.band!.device.deviceId, local(from + 5 * MINUTE)],
      ['heart-rate', 'clear', 'P1', h.devices.band!.device.deviceId, local(from + 10 * MINUTE)],
    ]);
  });

  test('she wanders off at night and does not come back: the fence is raised within 15 min, once', () => {
    const h = homes.wander;
    const rows = rowsOf(h.id);
    expect(rows.map((r) => r.slice(0, 4))).toEqual([['geofence', 'raise', 'P2', h.devices.band!.device.deviceId]]);
    const raised = alerts.find((a) => a.householdId === h.id)!.at;
    expect(Date.parse(raised)).toBeGreaterThan(Date.parse(WANDERS));
    expect(Date.parse(raised)).toBeLessThanOrEqual(Date.parse(WANDERS) + 15 * MINUTE);
  });

  test('nothing anywhere that is not an incident: no silence, no low battery, no low SpO2', () => {
    expect(alerts.filter((a) => ['device-silent', 'low-battery', 'low-spo2'].includes(a.rule))).toEqual([]);
  });
});

describe('a construction site through the real rule engine', () => {
  test('a week of works raises nothing; night work 23:00-01:00 at 68 dB(A) is raised at 23:05 and cleared at 01:05', async () => {
    const site = { deviceId: 'site-1-noise', householdId: 'site-1', heartbeatMs: 10 * SECOND };
    const model = noiseModel({ seed: 9, nightWork: [{ from: iso(5, 23), until: iso(6, 1), dba: 68 }] });
    const h = ruleHarness(tempDir(), { households: [householdSchema.parse({ id: 'site-1' })], devices: [site], startedAt: START });
    await feedModels(h, [{ device: site, model, pollMs: 10 * SECOND }], START, START + 7 * DAY);
    const rows = h.outbox.peek(1_000).map((e) => [e.alert.rule, e.alert.kind, e.alert.grade, local(Date.parse(e.alert.at))]);
    h.close();
    expect(rows).toEqual([
      ['night-noise', 'raise', 'P3', local(at(5, 23) + 5 * MINUTE)],
      ['night-noise', 'clear', 'P3', local(at(6, 1) + 5 * MINUTE)],
    ]);
  });
});
