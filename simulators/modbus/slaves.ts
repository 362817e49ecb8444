import { z } from 'zod';
import type { Metric } from '../../contract/metrics.js';
import { REGISTERS_OF } from '../../firmware-profiles/modbus-schema.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { registerAddresses, registerTable, type UnencodedPoint } from './encode.js';
import { garbageBytes, replyDelaySchema } from '../faults.js';
import { answerPdu, exceptionPdu, SERVER_DEVICE_FAILURE, type ModbusDataModel } from './pdu.js';
import { seededRandom } from '../../lib/seeded-random.js';

/**
 * What a simulated slave does wrong, set per unit at run time:
 * - `none`: answers as its profile's register map says;
 * - `silent`: never answers, so the master times out;
 * - `{ slow: ms }`: answers, that much later;
 * - `{ exception: code }`: answers every request with that exception (02 illegal data address,
 *   04 device failure, 06 busy...); with `register`, only requests that include that register
 *   (a meter variant without that register: the others answer as usual);
 * - `crc`: on RTU (a serial line, or one behind a serial device server), its reply with a wrong
 *   CRC. Modbus TCP has no CRC (TCP's own checksum hides damage on the wire), so over Modbus TCP
 *   it answers what a TCP-to-RTU gateway answers when the RTU reply behind it failed its CRC:
 *   exception 0B, gateway target device failed to respond;
 * - `garbage`: random bytes, as many as its reply would have (its MBAP header included on TCP).
 */
export const modbusFaultSchema = z.union([
  z.enum(['none', 'silent', 'crc', 'garbage']),
  z.object({ slow: replyDelaySchema }).strict(),
  z.object({ exception: z.number().int().min(1).max(255), register: z.number().int().min(0).max(65535).optional() }).strict(),
]);
export type ModbusFault = z.output<typeof modbusFaultSchema>;

/** A slave's answer before framing: the reply PDU, when to send it, and how the framing is to spoil it. */
export interface SlaveAnswer {
  pdu: Buffer;
  delayMs: number;
  damage: 'none' | 'crc' | 'garbage';
}

interface SimulatedSlave {
  profile: ModbusProfile;
  values: () => Partial<Record<Metric, number>>;
  addresses: ReturnType<typeof registerAddresses>;
  fault: ModbusFault;
}

/**
 * Simulated Modbus slaves answering as their profiles' register maps say, whatever the framing
 * (TCP or RTU), with faults to inject. Garbage comes from a seeded generator, so a run repeats.
 * A read of registers that cannot hold their value (a gauge out of its type's range; counters
 * roll over) is answered with exception 04, server device failure, and a log line.
 */
export class SimulatedSlaves {
  readonly #slaves = new Map<number, SimulatedSlave>();
  readonly #random: () => number;
  readonly #logger: Logger;

  /** @param logger where a value no register can hold is told @default silent */
  constructor(seed = 1, logger: Logger = silentLogger()) {
    this.#random = seededRandom(seed);
    this.#logger = logger;
  }

  add(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.#slaves.set(unitId, { profile, values, addresses: registerAddresses(profile), fault: 'none' });
  }

  setFault(unitId: number, fault: ModbusFault): void {
    const slave = this.#slaves.get(unitId);
    if (!slave) throw new Error(`no simulated slave ${unitId}`);
    slave.fault = fault;
  }

  /** How unit `unitId` answers `request` (a PDU), or undefined when it does not: not on this line, or silent. */
  answer(unitId: number, request: Buffer): SlaveAnswer | undefined {
    const slave = this.#slaves.get(unitId);
    if (!slave || slave.fault === 'silent') return undefined;
    const { fault } = slave;
    if (typeof fault === 'object' && 'exception' in fault && (fault.register === undefined || includesRegister(request, fault.register))) {
      return { pdu: exceptionPdu(request[0] ?? 0, fault.exception), delayMs: 0, damage: 'none' };
    }
    let table: ReturnType<typeof registerTable>;
    try {
      table = registerTable(slave.profile, slave.values());
    } catch (err) {
      // Called from a stream's data handler: a throw there would end the simulator; the slave stays silent instead.
      this.#logger.error({ unitId, err: (err as Error).message }, 'simulated slave could not answer');
      return undefined;
    }
    const unreadable = unencodedIn(request, table.unencoded);
    if (unreadable) this.#logger.warn({ unitId, metric: unreadable.point.metric, reason: unreadable.reason }, 'simulated slave answers exception 04: a register cannot hold its value');
    const pdu = unreadable ? exceptionPdu(request[0] ?? 0, SERVER_DEVICE_FAILURE) : answerPdu(request, this.#model(slave, table));
    if (typeof fault === 'object') return { pdu, delayMs: 'slow' in fault ? fault.slow : 0, damage: 'none' };
    return { pdu, delayMs: 0, damage: fault === 'none' ? 'none' : fault };
  }

  garbage(length: number): Buffer {
    return garbageBytes(this.#random, length);
  }

  #model(slave: SimulatedSlave, table: ReturnType<typeof registerTable>): ModbusDataModel {
    // Profiles describe registers only: a read of coils or discrete inputs finds no such address.
    return {
      has: (t, address) => (t === 'holding' || t === 'input') && slave.addresses[t].has(address),
      value: (t, address) => (t === 'holding' || t === 'input' ? (table[t].get(address) ?? 0) : 0),
    };
  }
}

/** The first point a read request (03 or 04) covers whose value its registers cannot hold. */
/** Whether a read request (function 03 or 04) covers `register`. */
function includesRegister(request: Buffer, register: number): boolean {
  if ((request[0] !== 0x03 && request[0] !== 0x04) || request.length !== 5) return false;
  const [first, count] = [request.readUInt16BE(1), request.readUInt16BE(3)];
  return first <= register && register < first + count;
}

function unencodedIn(request: Buffer, unencoded: readonly UnencodedPoint[]): UnencodedPoint | undefined {
  const table = request[0] === 0x03 ? 'holding' : request[0] === 0x04 ? 'input' : undefined;
  if (!table || request.length !== 5 || unencoded.length === 0) return undefined;
  const [first, count] = [request.readUInt16BE(1), request.readUInt16BE(3)];
  return unencoded.find(({ point }) => point.inputType === table && point.address < first + count && first < point.address + REGISTERS_OF[point.dataType]);
}
