import Modbus from 'modbus-serial';
import type { Metric } from '../firmware-profiles/metrics.js';
import type { ModbusProfile } from '../firmware-profiles/schema.js';
import { SimulatedSlaves, type ModbusFault } from './modbus-slaves.js';

/**
 * Simulated Modbus devices on an RS-485 line: a serial port (in tests one end of a socat pty
 * pair), speaking Modbus RTU with CRCs as real slaves do.
 */
export class SimulatedModbusRtu {
  readonly slaves = new SimulatedSlaves();
  #server: InstanceType<typeof Modbus.ServerSerial> | null = null;

  addSlave(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.slaves.add(unitId, profile, values);
  }

  setFault(unitId: number, fault: ModbusFault): void {
    this.slaves.setFault(unitId, fault);
  }

  async start(path: string, baudRate: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server = new Modbus.ServerSerial(this.slaves.vector(), {
        path,
        baudRate,
        unitID: 255,
        openCallback: (err) => (err ? reject(err) : resolve()),
      });
      this.#server.on('error', () => undefined);
    });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = null;
  }
}
