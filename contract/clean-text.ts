import { z } from 'zod';

/** C0 controls (NUL among them) and DEL; tab, CR and LF are handled apart. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const LINE_BREAKS = /[\t\r\n]/g;
/** A UTF-16 surrogate without its pair: not a character, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text a person reads, made storable the same way on every store: PostgreSQL refuses a NUL in
 * text (and an unpaired surrogate cannot be UTF-8), where SQLite keeps both, so the same alert
 * was a 500 on one and a ticket on the other. Controls and lone surrogates become U+FFFD (a
 * reader sees that something was there), line breaks and tabs a space (one line). An alert is
 * never refused for its text: an SOS with a garbled summary is still an SOS.
 */
export function cleanLine(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '\uFFFD').replace(LINE_BREAKS, ' ');
}

/** A one-line text field of `min` to `max` UTF-16 units, cleaned at the boundary (cleaning keeps the length). */
export function lineSchema(min: number, max: number) {
  return z.string().min(min).max(max).overwrite(cleanLine);
}
