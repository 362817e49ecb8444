import { z } from 'zod';

const UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses "500ms", "30s", "15m", "24h", "7d" to milliseconds; throws a message naming the input. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) {
    throw new Error(`"${text}" is not a duration: write a number and a unit, e.g. "30s", "15m", "24h", "7d"`);
  }
  return Math.round(Number(match[1]) * UNITS_MS[match[2] as keyof typeof UNITS_MS]);
}

/** Formats milliseconds with the largest unit that divides them: 86400000 -> "24h". */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNITS_MS[unit] && ms % UNITS_MS[unit] === 0) {
      const n = ms / UNITS_MS[unit];
      return unit === 'd' && n === 1 ? '24h' : `${n}${unit}`;
    }
  }
  return `${ms}ms`;
}

/** A duration written as text in configuration and rules ("24h"); parsed to milliseconds. */
export const durationSchema = z.string().transform((text, ctx) => {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new Error(`"${text}" must be longer than zero`);
    return ms;
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
