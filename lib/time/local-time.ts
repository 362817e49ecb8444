import { z } from 'zod';

/** Households, sites and night windows live in local time; China is one zone, but not every deployment is. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

export const timeZoneSchema = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone such as "Asia/Shanghai"');

/** "22:00" -> minutes after midnight. */
export const timeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'write the time as HH:MM, e.g. "22:00"')
  .transform((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5)));

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday */
  weekday: number;
  /** Minutes after local midnight. */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The local calendar date and time of day of an instant in a time zone. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAYS[parts.weekday!]!,
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** "2026-11-25": the local date, a key for daily totals. */
export function localDate(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/**
 * Whether a time of day lies in [start, end), where a window may cross midnight
 * (22:00-06:00 holds 23:30 and 05:59, not 06:00).
 */
export function inDailyWindow(minuteOfDay: number, startMinute: number, endMinute: number): boolean {
  return startMinute <= endMinute
    ? minuteOfDay >= startMinute && minuteOfDay < endMinute
    : minuteOfDay >= startMinute || minuteOfDay < endMinute;
}
