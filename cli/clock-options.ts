import { z } from 'zod';
import { ScaledClock, systemClock, type Clock } from '../lib/time/clock.js';
import { InputError, parseOrThrow } from '../lib/validation.js';

/** The environment variable `gridwatch clock` prints a value for; cloud, gateway and simulate read it. */
export const CLOCK_ENV = 'GRIDWATCH_CLOCK';

/** Options every long-running command takes to run on an accelerated clock. */
export const clockArgs = {
  'clock-speed': { type: 'string' },
  'clock-start': { type: 'string' },
  'clock-anchor': { type: 'string' },
} as const;

const speedSchema = z.coerce.number().positive().max(1_000_000);
const startSchema = z.iso.datetime({ offset: true });
const anchorSchema = z.coerce.number().int().positive();

const clockOptionsSchema = z
  .object({
    'clock-speed': speedSchema.optional(),
    'clock-start': startSchema.optional(),
    'clock-anchor': anchorSchema.optional(),
  })
  .refine((o) => o['clock-speed'] !== undefined || (o['clock-start'] === undefined && o['clock-anchor'] === undefined), {
    message: '--clock-start and --clock-anchor need --clock-speed',
  });

/** `speed=3600,start=2026-11-23T06:00:00.000+08:00,anchor=1763848800000`: no spaces, safe in a shell. */
const envValueSchema = z.object({ speed: speedSchema, start: startSchema, anchor: anchorSchema }).strict();

/** The shared clock as one value for GRIDWATCH_CLOCK. */
export function formatClockValue(o: { speed: number; startMs: number; anchorWallMs: number }, startText = new Date(o.startMs).toISOString()): string {
  return `speed=${o.speed},start=${startText},anchor=${o.anchorWallMs}`;
}

function parseClockValue(text: string): { speed: number; startMs: number; anchorWallMs: number } {
  const fields: Record<string, string> = {};
  for (const part of text.trim().split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InputError(`${CLOCK_ENV}: "${part}" is not key=value; make the value with \`gridwatch clock --speed 3600\``);
    fields[part.slice(0, eq)] = part.slice(eq + 1);
  }
  const o = parseOrThrow(envValueSchema, fields, CLOCK_ENV);
  return { speed: o.speed, startMs: Date.parse(o.start), anchorWallMs: o.anchor };
}

/**
 * The wall clock, or an accelerated one: from --clock-speed (with --clock-start and
 * --clock-anchor), else from GRIDWATCH_CLOCK as `gridwatch clock` prints it. Processes given the
 * same start, speed and anchor agree on the simulated time.
 */
export function clockFromArgs(values: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Clock {
  const o = parseOrThrow(clockOptionsSchema, values, 'clock options');
  const wallNow = Date.now();
  if (o['clock-speed'] !== undefined) {
    return new ScaledClock({
      speed: o['clock-speed'],
      startMs: o['clock-start'] ? Date.parse(o['clock-start']) : wallNow,
      anchorWallMs: o['clock-anchor'] ?? wallNow,
    });
  }
  const shared = env[CLOCK_ENV];
  if (shared !== undefined && shared.trim() !== '') return new ScaledClock(parseClockValue(shared));
  return systemClock;
}
