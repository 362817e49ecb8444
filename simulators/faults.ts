import { z } from 'zod';
import { durationSchema } from '../lib/time/duration.js';

/**
 * How late a slow device answers: milliseconds, or a duration ("1500ms", "2s") in a config file.
 * Later than the master's reply timeout, the answer comes after the master gave up on it.
 */
export const replyDelaySchema = z.union([z.number().int().nonnegative(), durationSchema]);

/** `length` random bytes: what a device with a broken UART, or a line with the wrong baud rate, sends instead of its reply. */
export function garbageBytes(random: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

/** Writes `bytes` now, or after `delayMs`, unless the stream has gone by then. */
export function writeLater(stream: NodeJS.WritableStream & { destroyed?: boolean }, bytes: Buffer, delayMs: number): void {
  if (delayMs <= 0) {
    stream.write(bytes);
    return;
  }
  setTimeout(() => {
    if (!stream.destroyed && stream.writable) stream.write(bytes);
  }, delayMs).unref();
}
