import type { Metric } from '../../contract/metrics.js';
import type { Logger } from '../../lib/log.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import { listenTcp, type TcpListener } from '../fleet/line-endpoints.js';
import { serveMbap } from './responder.js';
import { SimulatedSlaves, type ModbusFault } from './slaves.js';

export type { ModbusFault };

/**
 * Simulated Modbus devices behind a Modbus TCP port (MBAP framing), as a TCP meter or a
 * TCP-to-RTU gateway with slaves behind it shows them. A unit id no slave has gets no answer.
 */
export class SimulatedModbusTcp {
  readonly slaves: SimulatedSlaves;
  #listener: TcpListener | null = null;
  port = 0;

  /**
   * @param options.seed the garbage fault's random bytes @default 1
   * @param options.logger where a value no register can hold is told @default silent
   */
  constructor(options: { seed?: number; logger?: Logger } = {}) {
    this.slaves = new SimulatedSlaves(options.seed, options.logger);
  }

  addSlave(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.slaves.add(unitId, profile, values);
  }

  setFault(unitId: number, fault: ModbusFault): void {
    this.slaves.setFault(unitId, fault);
  }

  /** Listens on `host:port` (0: any free port); resolves with the port. */
  async start(port = 0, host = '127.0.0.1', configKey?: string): Promise<number> {
    this.#listener = await listenTcp(port, host, (socket) => serveMbap(socket, this.slaves), configKey);
    this.port = this.#listener.port;
    return this.port;
  }

  /** Cuts the masters' connections (they may connect again). */
  dropConnections(): void {
    this.#listener?.dropConnections();
  }

  async stop(): Promise<void> {
    const listener = this.#listener;
    this.#listener = null;
    await listener?.close();
  }
}
