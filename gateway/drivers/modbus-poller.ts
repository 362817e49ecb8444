import type { Clock, TimerHandle } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import { decodeModbusPoints, planModbusReads, type PlannedRead } from '../../firmware-profiles/decode-modbus.js';
import type { ModbusRead } from '../../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import type { RuleEngine } from '../rules/engine.js';
import type { DeviceContext } from '../rules/evaluator.js';
import { ModbusReadError, type ModbusBus, type ReadFault } from './modbus-bus.js';

export interface ModbusDevice {
  context: DeviceContext;
  profile: ModbusProfile;
  unitId: number;
}

export type PollCounters = Record<'polls' | 'readings' | 'malformed' | ReadFault, number>;

export interface DeviceHealth {
  deviceId: string;
  online: boolean;
  lastSeenAt: number | null;
  lastFault: string | null;
  counters: PollCounters;
}

/**
 * Attempts of one read before the poll counts as failed. Only garbled or odd replies are tried
 * again: a timeout is a silent slave, and a retry would cost the others on the bus a second
 * timeout; an exception reply would only be repeated.
 */
const ATTEMPTS = 2;
const RETRIED: ReadonlySet<ReadFault> = new Set(['crc', 'other']);

/**
 * Polls one Modbus device on its profile's interval, on the clock's grid: the planned reads
 * (neighbouring registers merged), then the decoded reading to the rules. Faults are counted by
 * kind and logged, never thrown: a dead device makes its own poll fail, no more.
 */
export class ModbusPoller {
  readonly counters: PollCounters = { polls: 0, readings: 0, malformed: 0, timeout: 0, exception: 0, crc: 0, disconnected: 0, other: 0 };
  readonly #plan: PlannedRead[];
  #timer: TimerHandle | null = null;
  #nextAt = 0;
  #lastSeenAt: number | null = null;
  #lastFault: string | null = null;
  #failuresInARow = 0;
  #polling: Promise<void> | null = null;

  constructor(
    readonly device: ModbusDevice,
    private readonly bus: ModbusBus,
    private readonly engine: RuleEngine,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.#plan = planModbusReads(device.profile.points);
  }

  /** Polls at once, then on the interval's grid. */
  start(): void {
    this.#nextAt = this.clock.now();
    this.#armAt(this.#nextAt);
  }

  async stop(): Promise<void> {
    if (this.#timer) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    await this.#polling;
  }

  health(): DeviceHealth {
    return {
      deviceId: this.device.context.deviceId,
      online: this.#failuresInARow < 3 && this.#lastSeenAt !== null,
      lastSeenAt: this.#lastSeenAt,
      lastFault: this.#lastFault,
      counters: { ...this.counters },
    };
  }

  /** One poll now: resolves when its reading went to the rules, or its fault was counted. */
  async pollOnce(): Promise<void> {
    const { context, profile } = this.device;
    this.counters.polls++;
    const reads: ModbusRead[] = [];
    for (const planned of this.#plan) {
      const words = await this.#read(planned);
      if (!words) return;
      reads.push({ inputType: planned.inputType, address: planned.address, words });
    }
    const decoded = decodeModbusPoints(profile, reads);
    if (!decoded.ok) {
      this.counters.malformed++;
      this.#fail('malformed', decoded.reason);
      return;
    }
    this.#failuresInARow = 0;
    this.#lastSeenAt = this.clock.now();
    this.counters.readings++;
    this.engine.process({ deviceId: context.deviceId, at: this.#lastSeenAt, metrics: decoded.metrics }, context);
  }

  async #read(planned: PlannedRead): Promise<number[] | undefined> {
    const { unitId, profile } = this.device;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.bus.read(unitId, planned.inputType, planned.address, planned.count, profile.responseTimeout);
      } catch (err) {
        const e = err instanceof ModbusReadError ? err : new ModbusReadError('other', String(err));
        this.counters[e.fault]++;
        if (!RETRIED.has(e.fault) || attempt >= ATTEMPTS) {
          this.#fail(e.fault, `${planned.inputType} ${planned.address}+${planned.count}: ${e.message}`);
          return undefined;
        }
      }
    }
  }

  #fail(kind: string, reason: string): void {
    this.#failuresInARow++;
    this.#lastFault = `${kind}: ${reason}`;
    // Log the first failure and every 60th after it: a dead meter polled every second must not flood the log.
    if (this.#failuresInARow === 1 || this.#failuresInARow % 60 === 0) {
      this.logger.warn({ device: this.device.context.deviceId, bus: this.bus.id, failuresInARow: this.#failuresInARow, kind, reason }, 'modbus poll failed');
    }
  }

  /** Polls fall on a fixed grid; a poll still running when the next is due is not doubled. */
  #armAt(at: number): void {
    this.#timer = this.clock.setTimeout(async () => {
      const now = this.clock.now();
      do this.#nextAt += this.device.profile.pollInterval;
      while (this.#nextAt <= now);
      this.#armAt(this.#nextAt);
      if (this.#polling) return;
      this.#polling = this.pollOnce()
        .catch((err: unknown) => this.logger.error({ err, device: this.device.context.deviceId }, 'modbus poll crashed'))
        .finally(() => {
          this.#polling = null;
        });
      await this.#polling;
    }, at - this.clock.now());
  }
}
