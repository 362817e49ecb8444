import { z } from 'zod';

/**
 * The normalized vocabulary rules rely on: a profile maps a device's own field names onto these,
 * so a rule about `volume_l` works for every water meter, whatever its firmware calls the value.
 * `counter` metrics only grow (until a reset or rollover); `gauge` metrics go up and down.
 * `maxRatePerMinute` (counters): the fastest the quantity can physically grow; a faster jump is
 * a fault, not use. `resetDrop` (counters): a fall by more than this is a reset or a new meter;
 * a smaller one is jitter of the reading, and neither it nor its return counts as use.
 * `range` [min, max]: what the quantity can physically be (a counter: what a meter's register
 * can hold); a value outside it is a fault of the device or the wire (1e308), never stored.
 */
export const METRICS = {
  /** A household connection (DN15/DN20 meter) passes at most ~80 L/min; 100 leaves headroom. */
  volume_l: { unit: 'L', kind: 'counter', description: 'cumulative water volume', range: [0, 1e9], maxRatePerMinute: 100, resetDrop: 10 },
  flow_lpm: { unit: 'L/min', kind: 'gauge', description: 'instantaneous water flow', range: [0, 1_000] },
  battery_pct: { unit: '%', kind: 'gauge', description: 'battery level', range: [0, 100] },
  /** 1 = closed, 0 = open (Zigbee2MQTT `contact: true` means closed). */
  contact_closed: { unit: '', kind: 'gauge', description: 'door or window contact closed', range: [0, 1] },
  heart_rate_bpm: { unit: 'bpm', kind: 'gauge', description: 'heart rate', range: [0, 300] },
  spo2_pct: { unit: '%', kind: 'gauge', description: 'blood oxygen saturation', range: [0, 100] },
  latitude_deg: { unit: '°', kind: 'gauge', description: 'WGS-84 latitude', range: [-90, 90] },
  longitude_deg: { unit: '°', kind: 'gauge', description: 'WGS-84 longitude', range: [-180, 180] },
  /** A 60 A household supply at 230 V is under 14 kW: 0.25 kWh/min leaves headroom. */
  energy_kwh: { unit: 'kWh', kind: 'counter', description: 'cumulative active energy', range: [0, 1e8], maxRatePerMinute: 0.25, resetDrop: 0.1 },
  power_w: { unit: 'W', kind: 'gauge', description: 'active power', range: [-100_000, 100_000] },
  voltage_v: { unit: 'V', kind: 'gauge', description: 'voltage', range: [0, 1_000] },
  current_a: { unit: 'A', kind: 'gauge', description: 'current', range: [-1_000, 1_000] },
  power_factor: { unit: '', kind: 'gauge', description: 'power factor', range: [-1, 1] },
  frequency_hz: { unit: 'Hz', kind: 'gauge', description: 'grid frequency', range: [0, 100] },
  noise_dba: { unit: 'dB(A)', kind: 'gauge', description: 'A-weighted sound level', range: [0, 200] },
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

/** The plausible [min, max] of a metric's values. */
export function plausibleRange(metric: Metric): readonly [number, number] {
  return METRICS[metric].range;
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
