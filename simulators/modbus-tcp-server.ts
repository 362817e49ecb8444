import { once } from 'node:events';
import Modbus from 'modbus-serial';
import type { Metric } from '../firmware-profiles/metrics.js';
import type { ModbusProfile } from '../firmware-profiles/schema.js';
import { SimulatedSlaves, type ModbusFault } from './modbus-slaves.js';

export type { ModbusFault };

/** Simulated Modbus devices behind a Modbus TCP server (modbus-serial's, on the real protocol). */
export class SimulatedModbusTcp {
  readonly slaves = new SimulatedSlaves();
  #server: InstanceType<typeof Modbus.ServerTCP> | null = null;
  port = 0;

  addSlave(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.slaves.add(unitId, profile, values);
  }

  setFault(unitId: number, fault: ModbusFault): void {
    this.slaves.setFault(unitId, fault);
  }

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    this.#server = new Modbus.ServerTCP(this.slaves.vector(), { host, port, unitID: 255 });
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
