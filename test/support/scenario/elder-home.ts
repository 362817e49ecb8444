import type { Metric } from '../../../contract/metrics.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { mixSeed, seededRandom } from '../../../lib/seeded-random.js';
import { DAY, HOUR, MINUTE, SECOND, dayOf, hoursOfDay, localTime, offsetM, type Scheduled } from './timeline.js';

export interface LatLon {
  lat: number;
  lon: number;
}

/** What goes wrong in a home, if anything. Instants are ms since the epoch. */
export interface ElderIncidents {
  /** After her evening wash on this day the home uses no water any more (the meter keeps reporting). */
  waterStopsAfterEveningWashOn?: number;
  /** From this instant the door is never opened again (the contact keeps its heartbeat); she stays in. */
  doorStopsAt?: number;
  /** From the local midnight starting `fromDay` the home uses `factor` of its usual electricity. */
  electricityDrop?: { fromDay: number; factor: number };
  /** The SOS key of the wristband is pressed once, at this instant. */
  sosAt?: number;
  /** The wristband reports a fall once, at this instant. */
  fallAt?: number;
  /** Heart-rate readings in [from, until] read `bpm`. */
  heartRate?: { from: number; until: number; bpm: number };
  /** She walks off at night: the door opens just before `from`, fixes in [from, until) are `northM` north of home. */
  wander?: { from: number; until: number; northM: number };
}

export interface ElderHomeOptions {
  householdId: string;
  seed: number;
  home: LatLon;
  /** Local midnight the simulation starts at. */
  start: number;
  days: number;
  incidents?: ElderIncidents;
}

export interface ElderHome {
  householdId: string;
  devices: { water: DeviceContext; door: DeviceContext; power: DeviceContext; band: DeviceContext };
  /** Every frame of the home's four devices, in time order per device (merge them with mergeByTime). */
  readings: Scheduled[];
  /** Facts of the simulated world that expectations hang on. */
  facts: {
    /** The last water use (an event in the home, not a meter reading). */
    lastWaterUse: { at: number; litres: number; what: string };
    /** The last time the door contact changed (opened or closed). */
    lastDoorChange: number;
  };
}

type Place = 'home' | 'park' | 'market' | 'bench' | 'bins';
/** Where she goes, in metres [north, east] of home: the compound's park, the market, a bench, the bins. */
const PLACES: Record<Place, readonly [number, number]> = { home: [0, 0], park: [0, 150], market: [-800, 0], bench: [0, -60], bins: [20, 0] };

interface WaterUse {
  at: number;
  litres: number;
  what: string;
}

interface DayPlan {
  wake: number;
  /** Time she goes to sleep (heart rate lower from then to the next wake). */
  sleep: number;
  outings: Array<{ out: number; back: number; place: Place }>;
  /** The door opened for a moment at bedtime (locking up, putting the bin bag out). */
  bedtimeCheck: number;
  water: WaterUse[];
  eveningWash: WaterUse;
  energyKwh: number;
  chargeFrom: number;
  chargeUntil: number;
  drainPerHour: number;
}

/** Share of a day's electricity by local hour: fridge all night, peaks at breakfast, lunch and the evening. */
const HOURLY_WEIGHT = [0.6, 0.5, 0.5, 0.5, 0.5, 0.6, 1.2, 2.0, 1.6, 1.2, 1.2, 1.8, 1.8, 1.2, 1.0, 1.0, 1.2, 2.0, 2.6, 2.6, 2.2, 1.8, 1.0, 0.7];
const WEIGHT_SUM = HOURLY_WEIGHT.reduce((a, b) => a + b, 0);

const CHARGE_MS = HOUR;

/**
 * An elder living alone, day by day, with her four devices on their real reporting intervals:
 * a water meter (volume_l every 15 min), a door contact (every open/close and a heartbeat every
 * 50 min), an electricity meter (energy_kwh every 15 min) and a wristband (every 5 min; heart
 * rate, SpO2, battery, position). Each day she gets up between 06:00 and 07:00, exercises in the
 * compound's park, goes to the market (800 m away), often sits on a bench in the afternoon, takes
 * the bins out in the evening and checks the door at bedtime; she washes, cooks and flushes; the
 * band is charged for an hour every evening. Deterministic for a seed.
 */
export function elderHome(options: ElderHomeOptions): ElderHome {
  const { householdId, seed, home, start, days } = options;
  const incidents = options.incidents ?? {};
  const at = localTime(start);
  const end = start + days * DAY;
  const devices = {
    water: { deviceId: `${householdId}-water`, householdId, heartbeatMs: 15 * MINUTE },
    door: { deviceId: `${householdId}-door`, householdId, heartbeatMs: 60 * MINUTE },
    power: { deviceId: `${householdId}-power`, householdId, heartbeatMs: 15 * MINUTE },
    band: { deviceId: `${householdId}-band`, householdId, heartbeatMs: 10 * MINUTE },
  } satisfies Record<string, DeviceContext>;

  // ---- the days she lives ----
  const plans = new Map<number, DayPlan>();
  const planOf = (day: number): DayPlan => {
    let plan = plans.get(day);
    if (plan) return plan;
    const rnd = seededRandom(mixSeed(seed, 1, day + 1000));
    const between = (a: number, b: number) => a + (b - a) * rnd();
    const wake = at(day, between(6, 7));
    const parkOut = wake + Math.round(between(15, 25)) * MINUTE;
    const parkBack = parkOut + Math.round(between(40, 55)) * MINUTE;
    const marketOut = at(day, between(8 + 35 / 60, 9 + 25 / 60));
    const outings: DayPlan['outings'] = [
      { out: parkOut, back: parkBack, place: 'park' },
      { out: marketOut, back: marketOut + Math.round(between(60, 90)) * MINUTE, place: 'market' },
    ];
    if (rnd() < 0.7) {
      const out = at(day, between(14, 16));
      outings.push({ out, back: out + Math.round(between(30, 60)) * MINUTE, place: 'bench' });
    }
    const binsOut = at(day, between(18 + 40 / 60, 19 + 20 / 60));
    outings.push({ out: binsOut, back: binsOut + Math.round(between(120, 240)) * SECOND, place: 'bins' });
    const bedtimeCheck = at(day, between(20 + 50 / 60, 21 + 10 / 60));
    const outAt = (t: number) => outings.some((o) => t >= o.out && t < o.back);

    const use = (t: number, litres: number, what: string): WaterUse => ({ at: t, litres: Math.round(litres * 10) / 10, what });
    const water: WaterUse[] = [];
    if (rnd() < 0.4) water.push(use(at(day, between(1.5, 3.5)), 6, 'night flush'));
    water.push(use(wake + 2 * MINUTE, 6, 'flush'), use(wake + 8 * MINUTE, between(12, 20), 'morning wash'));
    water.push(use(parkBack + 10 * MINUTE, between(4, 6), 'breakfast'));
    water.push(use(at(day, between(11 + 10 / 60, 11 + 50 / 60)), between(8, 14), 'cooking'));
    water.push(use(at(day, between(12 + 10 / 60, 12 + 50 / 60)), between(8, 12), 'washing up'));
    const flushes = 3 + Math.floor(rnd() * 3);
    for (let i = 0; i < flushes; i++) {
      let t = at(day, between(9, 19));
      for (let tries = 0; outAt(t) && tries < 10; tries++) t = at(day, between(9, 19));
      water.push(use(t, 6, 'flush'));
    }
    water.push(use(at(day, between(17 + 25 / 60, 18 + 5 / 60)), between(10, 18), 'cooking'));
    water.push(use(at(day, between(18 + 25 / 60, 19 + 5 / 60)), between(10, 14), 'washing up'));
    const eveningWash = use(at(day, between(20 + 5 / 60, 20 + 55 / 60)), between(20, 45), 'evening wash');
    water.push(eveningWash);
    water.push(use(bedtimeCheck + Math.round(between(5, 15)) * MINUTE, 6, 'bedtime flush'));
    water.sort((a, b) => a.at - b.at);

    const chargeFrom = at(day, between(19 + 18 / 60, 19 + 36 / 60));
    plan = {
      wake,
      sleep: at(day, between(21.5, 22)),
      outings,
      bedtimeCheck,
      water,
      eveningWash,
      energyKwh: between(3, 6),
      chargeFrom,
      chargeUntil: chargeFrom + CHARGE_MS,
      drainPerHour: between(2, 2.5),
    };
    plans.set(day, plan);
    return plan;
  };

  // ---- water ----
  const waterStopDay = incidents.waterStopsAfterEveningWashOn;
  const waterStopsAfter = waterStopDay === undefined ? Number.POSITIVE_INFINITY : planOf(waterStopDay).eveningWash.at;
  const uses: WaterUse[] = [];
  for (let day = 0; day < days; day++) for (const u of planOf(day).water) if (u.at <= waterStopsAfter) uses.push(u);

  // ---- door ----
  const doorEvents: Array<[number, number]> = [];
  const rndDoor = seededRandom(mixSeed(seed, 2));
  const openClose = (open: number, closedAfterS: number) => {
    doorEvents.push([open, 0], [open + Math.round(closedAfterS) * SECOND, 1]);
  };
  for (let day = 0; day < days; day++) {
    const plan = planOf(day);
    for (const o of plan.outings) {
      openClose(o.out, 30 + 30 * rndDoor());
      openClose(o.back, 20 + 20 * rndDoor());
    }
    openClose(plan.bedtimeCheck, 40 + 50 * rndDoor());
  }
  const { wander } = incidents;
  if (wander) {
    openClose(wander.from - 150 * SECOND, 30);
    openClose(wander.until - 120 * SECOND, 30);
  }
  const doorStopsAt = incidents.doorStopsAt ?? Number.POSITIVE_INFINITY;
  const doorChanges = doorEvents.filter(([t]) => t < doorStopsAt && t < end).sort((a, b) => a[0] - b[0]);

  // Outings she no longer makes once the door stays shut.
  const placeAt = (t: number): Place => {
    const plan = planOf(dayOf(start, t));
    const o = plan.outings.find((x) => t >= x.out && t < x.back);
    return o && o.out < doorStopsAt ? o.place : 'home';
  };

  const rndPhase = seededRandom(mixSeed(seed, 3));
  const phase = (periodMs: number) => Math.floor(rndPhase() * (periodMs / SECOND)) * SECOND;
  const readings: Scheduled[] = [];

  // Water meter: cumulative litres every 15 min.
  {
    let litres = 1000 + Math.floor(rndPhase() * 50_000) / 10;
    let next = 0;
    for (let t = start + phase(15 * MINUTE); t < end; t += 15 * MINUTE) {
      while (next < uses.length && uses[next]!.at <= t) litres += uses[next++]!.litres;
      readings.push({ device: devices.water, reading: { deviceId: devices.water.deviceId, at: t, metrics: { volume_l: Math.round(litres * 10) / 10 } } });
    }
  }

  // Door contact: every change at once, and its state every 50 min.
  {
    const frames: Array<[number, number]> = [...doorChanges];
    let i = 0;
    let closed = 1;
    for (let t = start + phase(50 * MINUTE); t < end; t += 50 * MINUTE) {
      while (i < doorChanges.length && doorChanges[i]![0] <= t) closed = doorChanges[i++]![1];
      frames.push([t, closed]);
    }
    frames.sort((a, b) => a[0] - b[0]);
    for (const [t, value] of frames) {
      readings.push({ device: devices.door, reading: { deviceId: devices.door.deviceId, at: t, metrics: { contact_closed: value } } });
    }
  }

  // Electricity meter: cumulative kWh every 15 min.
  {
    const rnd = seededRandom(mixSeed(seed, 4));
    const drop = incidents.electricityDrop;
    let kwh = 2000 + Math.floor(rnd() * 100_000) / 100;
    for (let t = start + phase(15 * MINUTE); t < end; t += 15 * MINUTE) {
      const mid = t - 7.5 * MINUTE;
      const day = dayOf(start, mid);
      const factor = drop && day >= drop.fromDay ? drop.factor : 1;
      const hour = Math.floor(hoursOfDay(start, mid));
      kwh += ((planOf(day).energyKwh * HOURLY_WEIGHT[hour]!) / WEIGHT_SUM / 4) * factor * (0.85 + 0.3 * rnd());
      readings.push({ device: devices.power, reading: { deviceId: devices.power.deviceId, at: t, metrics: { energy_kwh: Math.round(kwh * 100) / 100 } } });
    }
  }

  // Wristband: every 5 min; off the wrist (no heart rate, no SpO2) while it charges.
  {
    const rnd = seededRandom(mixSeed(seed, 5));
    const batteryAt = (t: number): number => {
      const day = dayOf(start, t);
      const plan = planOf(day);
      if (t >= plan.chargeFrom && t < plan.chargeUntil) {
        const before = batteryAt(plan.chargeFrom - 1);
        return before + ((100 - before) * (t - plan.chargeFrom)) / CHARGE_MS;
      }
      const charged = t >= plan.chargeUntil ? plan : planOf(day - 1);
      return 100 - (charged.drainPerHour * (t - charged.chargeUntil)) / HOUR;
    };
    const frame = (t: number, metrics: Partial<Record<Metric, number>>, events?: Array<'sos' | 'fall'>): Scheduled => ({
      device: devices.band,
      reading: { deviceId: devices.band.deviceId, at: t, metrics, ...(events ? { events } : {}) },
    });
    for (let t = start + phase(5 * MINUTE); t < end; t += 5 * MINUTE) {
      const plan = planOf(dayOf(start, t));
      const battery_pct = Math.round(batteryAt(t));
      const wandering = wander && t >= wander.from && t < wander.until;
      const [north, east] = wandering ? [wander.northM, 0] : PLACES[placeAt(t)];
      const fix = offsetM(home, north + (rnd() - 0.5) * 24, east + (rnd() - 0.5) * 24);
      const position = { latitude_deg: Math.round(fix.lat * 1e6) / 1e6, longitude_deg: Math.round(fix.lon * 1e6) / 1e6 };
      if (t >= plan.chargeFrom && t < plan.chargeUntil) {
        readings.push(frame(t, { battery_pct, ...position }));
        continue;
      }
      const asleep = t < plan.wake || t >= plan.sleep;
      let heart_rate_bpm = asleep ? 60 + Math.floor(rnd() * 7) : 64 + Math.floor(rnd() * 27);
      const hr = incidents.heartRate;
      if (hr && t >= hr.from && t <= hr.until) heart_rate_bpm = hr.bpm;
      const spo2_pct = 95 + Math.floor(rnd() * 5);
      readings.push(frame(t, { heart_rate_bpm, spo2_pct, battery_pct, ...position }));
    }
    // The SOS key and the fall detector send a frame of their own at once.
    if (incidents.sosAt !== undefined) readings.push(frame(incidents.sosAt, { battery_pct: Math.round(batteryAt(incidents.sosAt)) }, ['sos']));
    if (incidents.fallAt !== undefined) readings.push(frame(incidents.fallAt, { battery_pct: Math.round(batteryAt(incidents.fallAt)) }, ['fall']));
  }

  return {
    householdId,
    devices,
    readings,
    facts: {
      lastWaterUse: uses[uses.length - 1]!,
      lastDoorChange: doorChanges[doorChanges.length - 1]![0],
    },
  };
}
