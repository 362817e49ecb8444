import type { DeviceEvent, Metric } from '../../contract/metrics.js';

/**
 * The "3G watch" protocol that 4G elder wristbands speak over TCP (vendors 3G, SG, ZJ, CS...):
 *   [VENDOR*DEVICEID*LLLL*CONTENT]   LLLL: length of CONTENT in bytes, 4 hex digits
 * CONTENT is a command and comma-separated fields: LK (heartbeat; the server must echo it),
 * UD/UD2/UD_LTE/UD_WCDMA (position), AL (alarm: also echoed), bphrt (blood pressure, heart rate).
 * The ZJ vendor adds a 4-hex-digit sequence after the id. Samples: Traccar's WatchProtocolDecoderTest.
 */
export interface WatchMessage {
  vendor: string;
  deviceId: string;
  /** The command, e.g. "UD2", "AL", "LK", "bphrt". */
  command: string;
  fields: string[];
  /** Whole message as received, for the reply. */
  index?: string;
}

export type WatchParse = { ok: true; message: WatchMessage; length: number } | { ok: false; reason: string; skip: number } | { ok: 'incomplete' };

const HEADER = /^\[([0-9A-Z]{2})\*([0-9A-Za-z]+)\*(?:([0-9A-Fa-f]{4})\*)?([0-9A-Fa-f]{4})\*/;

/** Bytes to skip after a bad message at `start`: up to the next '[' (one piece of garbage, not one per byte). */
function toNextMessage(buf: Buffer, start: number): number {
  const next = buf.indexOf(0x5b, start + 1);
  return next < 0 ? buf.length : next;
}

/** Finds one message at the start of `buf` (after any bytes before its '['). Never throws. */
export function parseWatchMessage(buf: Buffer): WatchParse {
  const start = buf.indexOf(0x5b); // '['
  if (start < 0) return buf.length > 0 ? { ok: false, reason: 'no [ in the stream', skip: buf.length } : { ok: 'incomplete' };
  if (start > 0) return { ok: false, reason: `${start} bytes before a message`, skip: start };
  const head = buf.subarray(start, start + 64).toString('latin1');
  const m = HEADER.exec(head);
  if (!m) {
    if (head.length < 64 && !head.includes(']')) return { ok: 'incomplete' };
    return { ok: false, reason: `not a watch message header: ${JSON.stringify(head.slice(0, 24))}`, skip: toNextMessage(buf, start) };
  }
  const contentLength = parseInt(m[4]!, 16);
  const contentStart = start + m[0].length;
  let end = contentStart + contentLength;
  // The length is right for binary content (voice, pictures), but some watches send a wrong one
  // for text (Traccar's SG sample says 0x53 for 86 bytes): a text message then ends at its ']'.
  if (buf.length > end && buf[end] !== 0x5d) {
    const close = buf.indexOf(0x5d, contentStart);
    const text = close >= 0 && !buf.subarray(contentStart, close).some((b) => b < 0x20 || b > 0x7e);
    if (!text) return { ok: false, reason: `length ${contentLength} does not end at ]`, skip: toNextMessage(buf, start) };
    end = close;
  }
  if (buf.length < end + 1) return { ok: 'incomplete' };
  const content = buf.subarray(contentStart, end).toString('latin1');
  const comma = content.indexOf(',');
  const command = comma < 0 ? content : content.slice(0, comma);
  const fields = comma < 0 ? [] : content.slice(comma + 1).split(',');
  return { ok: true, message: { vendor: m[1]!, deviceId: m[2]!, command, fields, ...(m[3] ? { index: m[3] } : {}) }, length: end + 1 };
}

/** The server's reply to a message the watch waits for (LK, AL and its variants), or undefined. */
export function watchReply(message: WatchMessage): Buffer | undefined {
  const command = message.command.startsWith('AL') ? 'AL' : message.command;
  if (command !== 'LK' && command !== 'AL') return undefined;
  const index = message.index ? `${message.index}*` : '';
  return Buffer.from(`[${message.vendor}*${message.deviceId}*${index}${command.length.toString(16).toUpperCase().padStart(4, '0')}*${command}]`, 'latin1');
}

export interface WatchReading {
  metrics: Partial<Record<Metric, number>>;
  events: DeviceEvent[];
}

const POSITION = /^(UD\d?|UD_[A-Z]+|AL[A-Z0-9]*|WT)$/;
/** The terminal status: 8 hex digits in the samples; anything else is not read as a number. */
const STATUS = /^[0-9A-Fa-f]{1,8}$/;

/**
 * An alarm (AL and its variants, e.g. ALH): the band resends it until it is echoed, so an alarm
 * that cannot be read must still be taken as one, never echoed and forgotten.
 */
export function isWatchAlarm(message: WatchMessage): boolean {
  return message.command.startsWith('AL');
}

/** A numeric field, or undefined when it is empty ("" would read as 0: a flat battery). */
function numberIn(field: string | undefined): number | undefined {
  if (field === undefined || field.trim() === '') return undefined;
  const n = Number(field.trim());
  return Number.isFinite(n) ? n : undefined;
}

/**
 * What a message says in the rules' vocabulary. Position reports (UD*, AL*, WT) carry a fix
 * (only when its validity is A), the battery, and, in AL, the terminal status bits: bit 16 SOS,
 * bits 21-22 a fall, bits 1-2 the watch's own fence alarm. bphrt carries the heart rate.
 */
export function decodeWatchMessage(message: WatchMessage): WatchReading | { error: string } | undefined {
  const f = message.fields;
  if (message.command === 'bphrt') {
    const hr = numberIn(f[2]);
    return hr !== undefined && hr > 0 ? { metrics: { heart_rate_bpm: hr }, events: [] } : { error: `bphrt without a heart rate: ${f.join(',')}` };
  }
  if (message.command === 'LK') {
    const battery = numberIn(f[2]);
    return { metrics: battery !== undefined && battery >= 0 && battery <= 100 ? { battery_pct: battery } : {}, events: [] };
  }
  if (!POSITION.test(message.command)) return isWatchAlarm(message) ? { error: `alarm ${JSON.stringify(message.command)} of an unknown kind` } : undefined;
  // date, time, validity, lat, N/S, lon, E/W, speed, course, altitude, satellites, gsm, battery, steps, rolls, status, ...
  if (f.length < 16) return { error: `${message.command} with ${f.length} fields, expected at least 16` };
  const metrics: Partial<Record<Metric, number>> = {};
  const lat = numberIn(f[3]);
  const lon = numberIn(f[5]);
  if (f[2] === 'A' && lat !== undefined && lon !== undefined && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    metrics.latitude_deg = f[4] === 'S' ? -lat : lat;
    metrics.longitude_deg = f[6] === 'W' ? -lon : lon;
  }
  const battery = numberIn(f[12]);
  if (battery !== undefined && battery >= 0 && battery <= 100) metrics.battery_pct = battery;
  const events: DeviceEvent[] = [];
  if (message.command.startsWith('AL')) {
    // parseInt would read "0001000G" as 0x1000: only hex digits are a status.
    if (!STATUS.test(f[15]!.trim())) return { error: `${message.command} with status ${JSON.stringify(f[15])}` };
    const status = parseInt(f[15]!.trim(), 16);
    if (status & (1 << 16)) events.push('sos');
    if (status & (0b11 << 21)) events.push('fall');
    if (status & 0b110) events.push('fence');
  }
  return { metrics, events };
}
