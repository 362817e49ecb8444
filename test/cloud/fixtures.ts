import type { WireReading } from '../../contract/ingest-wire.js';
import type { Alert } from '../../contract/alert.js';

/** 2026-11-20T08:00:00Z: the tests' "now". */
export const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

let serial = 0;

/** A valid raise from gateway gw-1 for household hh-1, rule no-water-use; override what a test is about. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  serial++;
  return {
    id: `gw-1:no-water-use:water-1:${serial}:raise`,
    gatewayId: 'gw-1',
    householdId: 'hh-1',
    deviceId: 'water-1',
    rule: 'no-water-use',
    kind: 'raise',
    grade: 'P2',
    at: new Date(T0 - 60_000).toISOString(),
    summary: 'less than 10 L of water in 24 h',
    details: { litres: 3 },
    ...overrides,
  };
}

/** A valid reading of gw-1's water meter water-1 in hh-1, `seq` seconds after T0 - 1 h; override what a test is about. */
export function makeReading(seq: number, overrides: Partial<WireReading> = {}): WireReading {
  return {
    seq,
    householdId: 'hh-1',
    deviceId: 'water-1',
    at: new Date(T0 - 3_600_000 + seq * 1_000).toISOString(),
    metrics: { volume_l: 100 + seq * 0.5, battery_pct: 90 },
    ...overrides,
  };
}

/** Readings seq `from`..`to` (inclusive) from makeReading. */
export function readingRange(from: number, to: number, overrides: (seq: number) => Partial<WireReading> = () => ({})): WireReading[] {
  return Array.from({ length: to - from + 1 }, (_, i) => makeReading(from + i, overrides(from + i)));
}
