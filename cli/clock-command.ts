import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseOrThrow } from '../lib/validation.js';
import { CLOCK_ENV, formatClockValue } from './clock-options.js';

export const clockUsage = `gridwatch clock [--speed N] [--start ISO]
  Prints a value for ${CLOCK_ENV}: one accelerated clock that cloud, gateway and simulate
  share when it is in their environment (N simulated seconds per second, default 3600; from
  --start, default now, counted from this moment):
    export ${CLOCK_ENV}=$(gridwatch clock --speed 3600)`;

const optionsSchema = z
  .object({
    speed: z.coerce.number().positive().max(1_000_000).default(3600),
    start: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export function clockCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { speed: { type: 'string' }, start: { type: 'string' } }, strict: true });
  const o = parseOrThrow(optionsSchema, values, 'clock options');
  // The CLI is the composition root: the one place that reads the wall clock to anchor the others.
  const anchorWallMs = Date.now();
  const startMs = o.start === undefined ? anchorWallMs : Date.parse(o.start);
  process.stdout.write(`${formatClockValue({ speed: o.speed, startMs, anchorWallMs }, o.start)}\n`);
  return 0;
}
