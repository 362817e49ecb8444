import { z } from 'zod';

/**
 * The normalized vocabulary rules rely on: a profile maps a device's own field names onto these,
 * so a rule about `volume_l` works for every water meter, whatever its firmware calls the value.
 * `counter` metrics only grow (until a reset or rollover); `gauge` metrics go up and down.
 * `maxRatePerMinute` (counters): the fastest the quantity can physically grow; a faster jump is
 * a fault, not use. `resetDrop` (counters): a fall by more than this is a reset or a new meter;
 * a smaller one is jitter of the reading, and neither it nor its return counts as use.
 */
export const METRICS = {
  /** A household connection (DN15/DN20 meter) passes at most ~80 L/min; 100 leaves headroom. */
  volume_l: { unit: 'L', kind: 'counter', description: 'cumulative water volume', maxRatePerMinute: 100, resetDrop: 10 },
  flow_lpm: { unit: 'L/min', kind: 'gauge', description: 'instantaneous water flow' },
  battery_pct: { unit: '%', kind: 'gauge', description: 'battery level' },
  /** 1 = closed, 0 = open (Zigbee2MQTT `contact: true` means closed). */
  contact_closed: { unit: '', kind: 'gauge', description: 'door or window contact closed' },
  heart_rate_bpm: { unit: 'bpm', kind: 'gauge', description: 'heart rate' },
  spo2_pct: { unit: '%', kind: 'gauge', description: 'blood oxygen saturation' },
  latitude_deg: { unit: '°', kind: 'gauge', description: 'WGS-84 latitude' },
  longitude_deg: { unit: '°', kind: 'gauge', description: 'WGS-84 longitude' },
  /** A 60 A household supply at 230 V is under 14 kW: 0.25 kWh/min leaves headroom. */
  energy_kwh: { unit: 'kWh', kind: 'counter', description: 'cumulative active energy', maxRatePerMinute: 0.25, resetDrop: 0.1 },
  power_w: { unit: 'W', kind: 'gauge', description: 'active power' },
  voltage_v: { unit: 'V', kind: 'gauge', description: 'voltage' },
  current_a: { unit: 'A', kind: 'gauge', description: 'current' },
  power_factor: { unit: '', kind: 'gauge', description: 'power factor' },
  frequency_hz: { unit: 'Hz', kind: 'gauge', description: 'grid frequency' },
  noise_dba: { unit: 'dB(A)', kind: 'gauge', description: 'A-weighted sound level' },
} as const;

export type Metric = keyof typeof METRICS;
export const metricSchema = z.enum(Object.keys(METRICS) as [Metric, ...Metric[]]);

export function isCounter(metric: Metric): boolean {
  return METRICS[metric].kind === 'counter';
}

/** Fastest a counter can physically grow, per minute; a faster jump is a fault, not use. */
export function maxRatePerMinute(metric: Metric): number {
  const m = METRICS[metric];
  return 'maxRatePerMinute' in m ? m.maxRatePerMinute : Number.POSITIVE_INFINITY;
}

/** How far a counter must fall to be a reset rather than jitter. */
export function resetDrop(metric: Metric): number {
  const m = METRICS[metric];
  return 'resetDrop' in m ? m.resetDrop : 0;
}

/**
 * Things a device reports happening, rather than a value: the SOS key, a detected fall, a
 * wristband's own fence alarm, and an alarm the device raised that the gateway could not read
 * (which of them it was is unknown, so it is taken as grave as any).
 */
export const DEVICE_EVENTS = ['sos', 'fall', 'fence', 'unreadable_alarm'] as const;
export type DeviceEvent = (typeof DEVICE_EVENTS)[number];
export const deviceEventSchema = z.enum(DEVICE_EVENTS);
