import type { IServiceVector } from 'modbus-serial';
import type { Metric } from '../firmware-profiles/metrics.js';
import type { ModbusProfile } from '../firmware-profiles/schema.js';
import { registerTable } from './encode-modbus.js';

export type ModbusFault = 'none' | 'silent' | 'exception';

interface SimulatedSlave {
  profile: ModbusProfile;
  values: () => Partial<Record<Metric, number>>;
  fault: ModbusFault;
}

/**
 * Simulated Modbus slaves answering as their profiles' register maps say, whatever the line (TCP
 * or RTU), with faults to inject: a silent slave (no answer at all, so the master times out) or
 * exception replies (02, illegal data address).
 */
export class SimulatedSlaves {
  readonly #slaves = new Map<number, SimulatedSlave>();

  add(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.#slaves.set(unitId, { profile, values, fault: 'none' });
  }

  setFault(unitId: number, fault: ModbusFault): void {
    const slave = this.#slaves.get(unitId);
    if (!slave) throw new Error(`no simulated slave ${unitId}`);
    slave.fault = fault;
  }

  /** The service vector modbus-serial's servers call. */
  vector(): IServiceVector {
    // modbus-serial asks getMultiple* for reads of several registers and get* for one; the
    // callback forms let a silent slave simply never answer.
    const registers = (type: 'holding' | 'input', addr: number, length: number, unitId: number, cb: (err: Error | null, values: number[]) => void) => {
      const slave = this.#slaves.get(unitId);
      if (!slave || slave.fault === 'silent') return;
      if (slave.fault === 'exception') return cb(Object.assign(new Error('illegal data address'), { modbusErrorCode: 0x02 }), []);
      const table = registerTable(slave.profile, slave.values())[type];
      cb(null, Array.from({ length }, (_, i) => table.get(addr + i) ?? 0));
    };
    const one = (type: 'holding' | 'input') => (addr: number, unitId: number, cb: (err: Error | null, value: number) => void) =>
      registers(type, addr, 1, unitId, (err, values) => cb(err, values[0] ?? 0));
    return {
      getMultipleHoldingRegisters: (addr: number, length: number, unitId: number, cb: (err: Error | null, values: number[]) => void) =>
        registers('holding', addr, length, unitId, cb),
      getMultipleInputRegisters: (addr: number, length: number, unitId: number, cb: (err: Error | null, values: number[]) => void) =>
        registers('input', addr, length, unitId, cb),
      getHoldingRegister: one('holding'),
      getInputRegister: one('input'),
    };
  }
}
