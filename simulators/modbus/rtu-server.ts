import type { Metric } from '../../contract/metrics.js';
import type { Logger } from '../../lib/log.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import { LineEndpoints } from '../fleet/line-endpoints.js';
import { serveRtu } from './responder.js';
import { SimulatedSlaves, type ModbusFault } from './slaves.js';

/**
 * Simulated Modbus devices on an RS-485 line, speaking Modbus RTU with CRCs as real slaves do: on
 * a serial port (in tests one end of a socat pty pair), and/or on a TCP port as a serial device
 * server in transparent mode forwards the line (the same raw RTU bytes, no MBAP header). Each
 * TCP connection is answered on its own.
 */
export class SimulatedModbusRtu {
  readonly slaves: SimulatedSlaves;
  readonly #line = new LineEndpoints((stream) => serveRtu(stream, this.slaves));

  /**
   * @param options.seed the garbage fault's random bytes @default 1
   * @param options.logger where a value no register can hold is told @default silent
   */
  constructor(options: { seed?: number; logger?: Logger } = {}) {
    this.slaves = new SimulatedSlaves(options.seed, options.logger);
  }

  /** The serial device server's port, once startTcp has run. */
  get tcpPort(): number {
    return this.#line.tcpPort;
  }

  addSlave(unitId: number, profile: ModbusProfile, values: () => Partial<Record<Metric, number>>): void {
    this.slaves.add(unitId, profile, values);
  }

  setFault(unitId: number, fault: ModbusFault): void {
    this.slaves.setFault(unitId, fault);
  }

  /** Serves the line on a serial port. */
  start(path: string, baudRate: number, parity: 'none' | 'even' | 'odd' = 'none'): Promise<void> {
    return this.#line.openSerial(path, { baudRate, parity });
  }

  /** Serves the line as a serial device server on `host:port` (0: any free port); resolves with the port. */
  startTcp(port = 0, host = '127.0.0.1', configKey?: string): Promise<number> {
    return this.#line.listen(port, host, configKey);
  }

  /** Cuts the TCP connections to the serial device server (the masters may connect again). */
  dropConnections(): void {
    this.#line.dropConnections();
  }

  stop(): Promise<void> {
    return this.#line.close();
  }
}
