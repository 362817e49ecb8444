import { once } from 'node:events';
import Modbus from 'modbus-serial';
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
 * Modbus TCP devices on the real protocol (modbus-serial's server), each answering as its
 * profile's register map says, with faults to inject: a silent slave (no answer at all, so the
 * poller times out) or exception replies (02, illegal data address).
 */
export class SimulatedModbusTcp {
  readonly #slaves = new Map<number, SimulatedSlave>();
  #server: InstanceType<typeof Modbus.ServerTCP> | null = null;
  port = 0;

  addSlave(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.#slaves.set(unitId, { profile, values, fault: 'none' });
  }

  setFault(unitId: number, fault: ModbusFault): void {
    const slave = this.#slaves.get(unitId);
    if (!slave) throw new Error(`no simulated slave ${unitId}`);
    slave.fault = fault;
  }

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    // modbus-serial asks getMultiple* for reads of several registers and get* for one; the
    // callback forms let a silent slave simply never answer.
    const registers = (type: 'holding' | 'input', addr: number, length: number, unitId: number, cb: (err: Error | null, values: number[]) => void) => {
      const slave = this.#slaves.get(unitId);
      if (!slave || slave.fault === 'silent') return; // no answer at all: the master times out
      if (slave.fault === 'exception') return cb(Object.assign(new Error('illegal data address'), { modbusErrorCode: 0x02 }), []);
      const table = registerTable(slave.profile, slave.values())[type];
      cb(null, Array.from({ length }, (_, i) => table.get(addr + i) ?? 0));
    };
    const one = (type: 'holding' | 'input') => (addr: number, unitId: number, cb: (err: Error | null, value: number) => void) =>
      registers(type, addr, 1, unitId, (err, values) => cb(err, values[0] ?? 0));
    this.#server = new Modbus.ServerTCP(
      {
        getMultipleHoldingRegisters: (addr: number, length: number, unitId: number, cb: (err: Error | null, values: number[]) => void) =>
          registers('holding', addr, length, unitId, cb),
        getMultipleInputRegisters: (addr: number, length: number, unitId: number, cb: (err: Error | null, values: number[]) => void) =>
          registers('input', addr, length, unitId, cb),
        getHoldingRegister: one('holding'),
        getInputRegister: one('input'),
      },
      { host, port, unitID: 255 },
    );
    this.#server.on('socketError', () => undefined);
    await once(this.#server, 'initialized');
    this.port = port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    for (const socket of server.socks.keys()) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = null;
  }
}
