import { createHash } from 'node:crypto';
import type { SqliteDatabase } from '../../../lib/sqlite.js';

/** How long a QoS 1 frame is remembered: a client resends what was not acknowledged when it reconnects. */
export const RESEND_WINDOW_MS = 60 * 60_000;

/**
 * QoS 1 frames that carry an event (an SOS, a fall), as they were received: client, packet id,
 * topic and a hash of the payload, with the time the gateway first received them. A gateway
 * killed after it stored a press but before its PUBACK went out gets the same press again when
 * the device reconnects (same packet id, same payload; mqtt.js does not even set DUP on it).
 * Received again, the frame keeps its first receipt time, so the rules see the same press (the
 * event rule raises once per receipt time) and it is one alert, not two.
 *
 * The record is written, synchronously, before the frame goes to the rules: if the gateway dies
 * between the two, the resend carries the first receipt time and raises then, once. A client
 * reuses a packet id only after its PUBACK, so a match in the window is a resend; the payload
 * and topic must match too, so a new press that happens to reuse an id is never swallowed.
 */
export class ResentFrames {
  readonly #find;
  readonly #remember;
  readonly #prune;

  constructor(db: SqliteDatabase) {
    this.#find = db.prepare<[string, number, string, string, number], { at: number }>(
      'SELECT received_at AS at FROM mqtt_receipts WHERE client_id = ? AND message_id = ? AND topic = ? AND payload_sha256 = ? AND received_at >= ?',
    );
    this.#remember = db.prepare<[string, number, string, string, number]>('INSERT OR REPLACE INTO mqtt_receipts (client_id, message_id, topic, payload_sha256, received_at) VALUES (?, ?, ?, ?, ?)');
    this.#prune = db.prepare<[number]>('DELETE FROM mqtt_receipts WHERE received_at < ?');
  }

  /**
   * The first receipt time of this frame when it is a resend of one received within the window;
   * otherwise undefined, and the frame is remembered as received at `now`.
   */
  receive(frame: { clientId: string; messageId: number; topic: string; payload: Buffer }, now: number): number | undefined {
    const sha = createHash('sha256').update(frame.payload).digest('hex');
    const first = this.#find.get(frame.clientId, frame.messageId, frame.topic, sha, now - RESEND_WINDOW_MS);
    if (first) return first.at;
    this.#prune.run(now - RESEND_WINDOW_MS);
    this.#remember.run(frame.clientId, frame.messageId, frame.topic, sha, now);
    return undefined;
  }
}
