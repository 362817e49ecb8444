import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { decodeModbusPoints, planModbusReads, type PlannedRead } from '../../firmware-profiles/decode-modbus.js';
import type { ModbusRead } from '../../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import type { ReadingSink } from '../reading-sink.js';
import type { DeviceContext } from '../rules/evaluator.js';
import { DevicePoller, type PollOutcome } from './device-poller.js';
import type { ModbusBus } from './modbus-bus.js';
import type { ReadFault } from './read-fault.js';

export type { DeviceHealth, PollCounters } from './device-poller.js';

export interface ModbusDevice {
  context: DeviceContext;
  profile: ModbusProfile;
  unitId: number;
  /** @default the profile's pollInterval */
  pollIntervalMs?: number;
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
    engine: ReadingSink,
    clock: Clock,
    logger: Logger,
  ) {
    super(device.context, device.pollIntervalMs ?? device.profile.pollInterval, bus.id, engine, clock, logger);
    this.#plan = planModbusReads(device.profile.points);
  }

  protected async read(): Promise<PollOutcome> {
    const reads: ModbusRead[] = [];
    for (const planned of this.#plan) {
      for (let attempt = 1; ; attempt++) {
        try {
          const words = await this.bus.read(this.device.unitId, planned.inputType, planned.address, planned.count, this.device.profile.responseTimeout);
          reads.push({ inputType: planned.inputType, address: planned.address, words });
          break;
        } catch (err) {
          const e = this.countFault(err);
          if (!RETRIED.has(e.fault) || attempt >= ATTEMPTS) return { ok: false, fault: e.fault, reason: `${planned.inputType} ${planned.address}+${planned.count}: ${e.message}` };
        }
      }
    }
    const decoded = decodeModbusPoints(this.device.profile, reads);
    return decoded.ok ? decoded : { ok: false, fault: 'malformed', reason: decoded.reason };
  }
}
