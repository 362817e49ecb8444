import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { decodeDlt645Reply } from '../../firmware-profiles/decode-dlt645.js';
import type { Metric } from '../../firmware-profiles/metrics.js';
import type { Dlt645Profile } from '../../firmware-profiles/schema.js';
import type { ReadingSink } from '../reading-sink.js';
import type { DeviceContext } from '../rules/evaluator.js';
import { DevicePoller, type PollOutcome } from './device-poller.js';
import type { Dlt645Line } from './dlt645-line.js';

export interface Dlt645Device {
  context: DeviceContext;
  profile: Dlt645Profile;
  /** 12 digits from the meter's nameplate. */
  address: string;
  /** @default the profile's pollInterval */
  pollIntervalMs?: number;
}

/** Polls one DL/T 645 meter: a read per data identifier of its profile; a garbled reply is tried once more. */
export class Dlt645Poller extends DevicePoller {
  constructor(
    readonly device: Dlt645Device,
    private readonly line: Dlt645Line,
    engine: ReadingSink,
    clock: Clock,
    logger: Logger,
  ) {
    super(device.context, device.pollIntervalMs ?? device.profile.pollInterval, line.id, engine, clock, logger);
  }

  protected async read(): Promise<PollOutcome> {
    const metrics: Partial<Record<Metric, number>> = {};
    for (const point of this.device.profile.points) {
      let reply: Buffer | undefined;
      for (let attempt = 1; reply === undefined; attempt++) {
        try {
          reply = await this.line.read(this.device.address, point.di, this.device.profile.responseTimeout);
        } catch (err) {
          const e = this.countFault(err);
          if (e.fault !== 'crc' || attempt >= 2) return { ok: false, fault: e.fault, reason: `DI ${point.di}: ${e.message}` };
        }
      }
      const decoded = decodeDlt645Reply(point, this.device.address, reply);
      if (!decoded.ok) return { ok: false, fault: 'malformed', reason: decoded.reason };
      metrics[point.metric] = decoded.value;
    }
    return { ok: true, metrics };
  }
}
