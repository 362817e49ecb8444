import type { Clock } from '../../../lib/time/clock.js';
import type { Logger } from '../../../lib/log.js';
import { decodeModbusPointsEach, planModbusReads, type PlannedRead } from '../../../firmware-profiles/codecs/modbus.js';
import type { Metric } from '../../../contract/metrics.js';
import type { ModbusRead } from '../../../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../../../firmware-profiles/schema.js';
import type { ReadingSink } from '../../../contract/reading-sink.js';
import { DevicePoller, type PollOutcome } from '../polling/device-poller.js';
import type { PolledDevice } from '../polling/polled-devices.js';
import type { ModbusBus } from './bus.js';
import type { ReadFault } from '../polling/read-fault.js';

export type { DeviceHealth, PollCounters } from '../polling/device-poller.js';

/** A Modbus device on a bus, by its unit id. */
export interface ModbusDevice extends PolledDevice<ModbusProfile> {
  unitId: number;
}

/**
 * Attempts of one read before the poll counts as failed. Only garbled or odd replies are tried
 * again: a timeout is a silent slave, and a retry would cost the others on the bus a second
 * timeout; an exception reply would only be repeated.
 */
const ATTEMPTS = 2;
const RETRIED: ReadonlySet<ReadFault> = new Set(['crc', 'other']);

/** Polls one Modbus device: the profile's register plan (neighbouring registers merged), decoded. */
export class ModbusPoller extends DevicePoller {
  readonly #plan: PlannedRead[];

  constructor(
    readonly device: ModbusDevice,
    private readonly bus: ModbusBus,
    sink: ReadingSink,
    clock: Clock,
    logger: Logger,
  ) {
    super(device.context, device.pollIntervalMs ?? device.profile.pollInterval, bus.id, sink, clock, logger);
    this.#plan = planModbusReads(device.profile.points);
  }

  protected async read(): Promise<PollOutcome> {
    const reads: ModbusRead[] = [];
    /** Why each block that was not read failed, by its registers. */
    const refused: Array<{ planned: PlannedRead; fault: ReadFault; reason: string }> = [];
    const timeout = this.device.responseTimeoutMs ?? this.device.profile.responseTimeout;
    blocks: for (const planned of this.#plan) {
      for (let attempt = 1; ; attempt++) {
        try {
          const words = await this.bus.read(this.device.unitId, planned.inputType, planned.address, planned.count, timeout);
          reads.push({ inputType: planned.inputType, address: planned.address, words });
          break;
        } catch (err) {
          const e = this.countFault(err);
          if (RETRIED.has(e.fault) && attempt < ATTEMPTS) continue;
          const reason = `${planned.inputType} ${planned.address}+${planned.count}: ${e.message}`;
          refused.push({ planned, fault: e.fault, reason });
          // An exception is the device refusing this block alone: the others are still asked. A
          // silent slave, a line that is down or replies that stay garbled would cost every later
          // block a timeout of its own: the poll ends with what was read.
          if (e.fault !== 'exception') break blocks;
          break;
        }
      }
    }
    const { metrics, unreadable } = decodeModbusPointsEach(this.device.profile, reads);
    // A point in a block the device refused is unreadable for that block's reason.
    for (const point of this.device.profile.points) {
      if (!(point.metric in unreadable)) continue;
      const block = refused.find(({ planned }) => planned.inputType === point.inputType && planned.address <= point.address && point.address < planned.address + planned.count);
      if (block) unreadable[point.metric] = `${point.metric}: ${block.reason}`;
    }
    if (Object.keys(metrics).length === 0) {
      const first = refused[0];
      return first ? { ok: false, fault: first.fault, reason: first.reason } : { ok: false, fault: 'malformed', reason: Object.values(unreadable)[0] ?? 'no point decoded' };
    }
    return Object.keys(unreadable).length === 0 ? { ok: true, metrics } : { ok: true, metrics, unreadable: unreadable as Partial<Record<Metric, string>> };
  }
}
