import { z } from 'zod';
import { ScaledClock, systemClock, type Clock } from '../lib/clock.js';
import { parseOrThrow } from '../lib/validation.js';

/** Options every long-running command takes to run on an accelerated clock. */
export const clockArgs = {
  'clock-speed': { type: 'string' },
  'clock-start': { type: 'string' },
  'clock-anchor': { type: 'string' },
} as const;

const clockOptionsSchema = z
  .object({
    'clock-speed': z.coerce.number().positive().max(1_000_000).optional(),
    'clock-start': z.iso.datetime({ offset: true }).optional(),
    'clock-anchor': z.coerce.number().int().positive().optional(),
  })
  .refine((o) => o['clock-speed'] !== undefined || (o['clock-start'] === undefined && o['clock-anchor'] === undefined), {
    message: '--clock-start and --clock-anchor need --clock-speed',
  });

/**
 * The wall clock, or with --clock-speed an accelerated one: processes started with the same
 * --clock-start, --clock-speed and --clock-anchor (wall ms) agree on the simulated time.
 */
export function clockFromArgs(values: Record<string, unknown>): Clock {
  const o = parseOrThrow(clockOptionsSchema, values, 'clock options');
  if (o['clock-speed'] === undefined) return systemClock;
  const wallNow = Date.now();
  return new ScaledClock({
    speed: o['clock-speed'],
    startMs: o['clock-start'] ? Date.parse(o['clock-start']) : wallNow,
    anchorWallMs: o['clock-anchor'] ?? wallNow,
  });
}
