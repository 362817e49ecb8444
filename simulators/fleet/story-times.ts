import { CST_OFFSET_MS } from '../models/water-routine.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "+9h20m", "+1d2h", "+90s": after the simulator's start. */
const OFFSET = /^\+(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
/** "15:20" or "15:20:30": that time of day (UTC+8, the models' local day), next at or after the start. */
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** Device fields that hold one moment of the story, one list of them, and spans of them. */
const MOMENTS = ['installedAt', 'stopsAt', 'sosAt', 'fallAt', 'wandersAt', 'lowFrom'] as const;
const MOMENT_LISTS = ['presses'] as const;
const SPANS = ['nightWork', 'heartRate', 'faults'] as const;

/**
 * A simulate config tells its story relative to when the simulator starts, so that it plays
 * whenever it is run: a moment is "+9h20m" (after the start), a time of day "15:20" (the first
 * 15:20 at or after the start, China Standard Time as the models' days), or an ISO instant with
 * its offset (kept as written). A span's `until` given as a time of day is the first one after
 * its `from`, so "23:00" to "01:00" crosses midnight. Works on the parsed YAML document, before
 * the schema: what is not one of these forms is left for the schema to refuse.
 */
export function resolveStoryTimes(raw: unknown, startMs: number): unknown {
  if (!isRecord(raw)) return raw;
  const entries = (key: string) => (Array.isArray(raw[key]) ? (raw[key] as unknown[]).map((d) => resolveDevice(d, startMs)) : raw[key]);
  return { ...raw, ...('devices' in raw ? { devices: entries('devices') } : {}), ...('fleets' in raw ? { fleets: entries('fleets') } : {}) };
}

/** One moment written relative to `after` (the start, or a span's from), as ISO; anything else unchanged. */
export function storyMoment(value: unknown, startMs: number, after = startMs): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  const offset = OFFSET.exec(text);
  if (offset && text !== '+') {
    const [d, h, m, s] = offset.slice(1).map((n) => Number(n ?? 0)) as [number, number, number, number];
    return new Date(startMs + d * DAY + h * HOUR + m * MINUTE + s * SECOND).toISOString();
  }
  const tod = TIME_OF_DAY.exec(text);
  if (tod) {
    const ofDay = Number(tod[1]) * HOUR + Number(tod[2]) * MINUTE + Number(tod[3] ?? 0) * SECOND;
    const localMidnight = Math.floor((after + CST_OFFSET_MS) / DAY) * DAY - CST_OFFSET_MS;
    let at = localMidnight + ofDay;
    // At or after the start; a span's end strictly after its beginning.
    while (at < after || (after !== startMs && at === after)) at += DAY;
    return new Date(at).toISOString();
  }
  return value;
}

function resolveDevice(device: unknown, startMs: number): unknown {
  if (!isRecord(device)) return device;
  const out: Record<string, unknown> = { ...device };
  for (const key of MOMENTS) if (key in out) out[key] = storyMoment(out[key], startMs);
  for (const key of MOMENT_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map((v) => storyMoment(v, startMs));
  for (const key of SPANS) {
    if (!Array.isArray(out[key])) continue;
    out[key] = (out[key] as unknown[]).map((span) => {
      if (!isRecord(span)) return span;
      const from = storyMoment(span.from, startMs);
      const fromMs = typeof from === 'string' ? Date.parse(from) : Number.NaN;
      const until = storyMoment(span.until, startMs, Number.isFinite(fromMs) ? fromMs : startMs);
      return { ...span, ...('from' in span ? { from } : {}), ...('until' in span ? { until } : {}) };
    });
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
