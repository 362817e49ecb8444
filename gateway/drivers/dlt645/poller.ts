import type { Clock } from '../../../lib/time/clock.js';
import type { Logger } from '../../../lib/log.js';
import { decodeDlt645Reply } from '../../../firmware-profiles/codecs/dlt645.js';
import type { Metric } from '../../../contract/metrics.js';
import type { Dlt645Profile } from '../../../firmware-profiles/schema.js';
import type { ReadingSink } from '../../../contract/reading-sink.js';
import { DevicePoller, type PollOutcome } from '../polling/device-poller.js';
import type { PolledDevice } from '../polling/polled-devices.js';
import type { ReadFault } from '../polling/read-fault.js';
import type { Dlt645Line } from './line.js';

/** A DL/T 645 meter on a line, by the 12 digits of its nameplate address. */
export interface Dlt645Device extends PolledDevice<Dlt645Profile> {
  address: string;
}

/**
 * Polls one DL/T 645 meter: a read per data identifier of its profile; a garbled reply is tried
 * once more. A meter that answers one identifier with an error (a DI it does not support) keeps
 * the values of the others; a silent meter ends the poll at once, with what it read.
 */
export class Dlt645Poller extends DevicePoller {
  constructor(
    readonly device: Dlt645Device,
    private readonly line: Dlt645Line,
    sink: ReadingSink,
    clock: Clock,
    logger: Logger,
  ) {
    super(device.context, device.pollIntervalMs ?? device.profile.pollInterval, line.id, sink, clock, logger);
  }

  protected async read(): Promise<PollOutcome> {
    const metrics: Partial<Record<Metric, number>> = {};
    const unreadable: Partial<Record<Metric, string>> = {};
    let firstFault: { fault: ReadFault | 'malformed'; reason: string } | undefined;
    const timeout = this.device.responseTimeoutMs ?? this.device.profile.responseTimeout;
    points: for (const point of this.device.profile.points) {
      let reply: Buffer | undefined;
      for (let attempt = 1; reply === undefined; attempt++) {
        try {
          reply = await this.line.read(this.device.address, point.di, timeout);
        } catch (err) {
          const e = this.countFault(err);
          if (e.fault === 'crc' && attempt < 2) continue;
          const reason = `DI ${point.di}: ${e.message}`;
          firstFault ??= { fault: e.fault, reason };
          unreadable[point.metric] = `${point.metric}: ${reason}`;
          // An error reply is the meter refusing this identifier alone; anything else (silence,
          // a line down, garbled replies) would cost each later identifier a timeout: the poll ends.
          if (e.fault !== 'exception') break points;
          continue points;
        }
      }
      const decoded = decodeDlt645Reply(point, this.device.address, reply);
      if (decoded.ok) metrics[point.metric] = decoded.value;
      else {
        firstFault ??= { fault: 'malformed', reason: decoded.reason };
        unreadable[point.metric] = decoded.reason;
      }
    }
    // The points after a silence were not asked: they are unreadable too.
    for (const point of this.device.profile.points) {
      if (!(point.metric in metrics) && !(point.metric in unreadable)) unreadable[point.metric] = `${point.metric}: not asked (${firstFault?.reason ?? 'the poll ended'})`;
    }
    if (Object.keys(metrics).length === 0) return { ok: false, ...(firstFault ?? { fault: 'malformed', reason: 'no point decoded' }) };
    return Object.keys(unreadable).length === 0 ? { ok: true, metrics } : { ok: true, metrics, unreadable };
  }
}
