import type { Reading } from '../../contract/reading.js';
import { noise } from '../models/common.js';
import { bandBatteryAt, chargingAt, type BandPlan } from './band-plan.js';
import { doorOpenAt, drainedPct, meterDeadAt, volumeAt, type DoorPlan, type WaterPlan } from './device-plans.js';
import { heartRateAt } from './heart-rate.js';
import { firstReportFrom, reportTime } from './report-grid.js';
import { countBelow, spanAt } from './timeline.js';

/**
 * A household's plan turned into the readings its devices' drivers would hand the engine in
 * [from, until): the water meter every 15 min (cumulative litres, the battery every 6 h), the door
 * contact at each opening and closing and its ~50 min heartbeat, the band every 5 min while its
 * wearer is at home (heart rate and battery; battery only on the charger) and its alarms.
 */
export interface HouseholdDevices {
  water: WaterPlan;
  door?: DoorPlan;
  band?: BandPlan;
}

export function householdReadings(plan: HouseholdDevices, from: number, until: number, out: Reading[]): void {
  waterReadings(plan.water, from, until, out);
  if (plan.door) doorReadings(plan.door, from, until, out);
  if (plan.band) bandReadings(plan.band, from, until, out);
}

function waterReadings(w: WaterPlan, from: number, until: number, out: Reading[]): void {
  for (let k = firstReportFrom(w.grid, from); ; k++) {
    const at = reportTime(w.grid, k);
    if (at >= until) break;
    if (meterDeadAt(w, k)) continue;
    const volume_l = Math.round(volumeAt(w, at) * 10) / 10;
    out.push({
      deviceId: w.deviceId,
      at,
      metrics: k % 24 === w.batteryPhase ? { volume_l, battery_pct: drainedPct(w.batteryPct, w.batteryPctPerDay, w.start, at) } : { volume_l },
    });
  }
}

function doorReadings(door: DoorPlan, from: number, until: number, out: Reading[]): void {
  for (let k = firstReportFrom(door.grid, from); ; k++) {
    const at = reportTime(door.grid, k);
    if (at >= until) break;
    out.push({ deviceId: door.deviceId, at, metrics: { contact_closed: doorOpenAt(door, at) ? 0 : 1, battery_pct: drainedPct(door.batteryPct, door.batteryPctPerDay, door.start, at) } });
  }
  for (let i = countBelow(door.opens, from); i < door.opens.length && door.opens[i]! < until; i++) {
    out.push({ deviceId: door.deviceId, at: door.opens[i]!, metrics: { contact_closed: 0 } });
  }
  for (let i = countBelow(door.closes, from); i < door.closes.length && door.closes[i]! < until; i++) {
    out.push({ deviceId: door.deviceId, at: door.closes[i]!, metrics: { contact_closed: 1 } });
  }
}

function bandReadings(band: BandPlan, from: number, until: number, out: Reading[]): void {
  for (let k = firstReportFrom(band.grid, from); ; k++) {
    const at = reportTime(band.grid, k);
    if (at >= until) break;
    if (spanAt(band.out, at)) continue;
    const battery_pct = Math.round(bandBatteryAt(band, at));
    out.push({ deviceId: band.deviceId, at, metrics: chargingAt(band, at) ? { battery_pct } : { heart_rate_bpm: heartRateAt(band, k, at), battery_pct } });
  }
  for (const alarm of band.alarms) {
    if (alarm.at < from || alarm.at >= until) continue;
    const battery_pct = Math.round(bandBatteryAt(band, alarm.at));
    const metrics = alarm.event === 'fall' ? { heart_rate_bpm: 88 + Math.floor(27 * noise(band.hrSeed, alarm.at)), battery_pct } : { battery_pct };
    out.push({ deviceId: band.deviceId, at: alarm.at, metrics, events: [alarm.event] });
  }
}
