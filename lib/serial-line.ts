import { InputError } from './validation.js';

export interface SerialSettings {
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

/**
 * Where an RS-485 line is reached: a serial port of the gateway, or a serial device server
 * (串口服务器, e.g. a USR-TCP232 in transparent mode) that forwards the line's raw bytes over
 * TCP; the box's own serial settings are set on the box, so none are given here.
 */
export type SerialLine = ({ path: string } & SerialSettings) | { tcp: { host: string; port: number } };

/**
 * One line, one setting: what the config says for the line, else the devices' factory settings
 * (from their profiles), which must then agree. An error names the line's field in the config.
 */
export function serialSettingsFor(given: Partial<SerialSettings>, factory: readonly SerialSettings[], where: string): SerialSettings {
  const pick = <K extends keyof SerialSettings>(key: K): SerialSettings[K] => {
    const value = given[key];
    if (value !== undefined) return value;
    const values = [...new Set(factory.map((f) => f[key]))];
    if (values.length > 1) throw new InputError(`${where}.${key}: the devices' profiles disagree (${values.join(', ')}); set it for the line`);
    return values[0]!;
  };
  return { baudRate: pick('baudRate'), parity: pick('parity'), dataBits: pick('dataBits'), stopBits: pick('stopBits') };
}

/**
 * The line a config names: its serial port (`path`, settings as serialSettingsFor decides, errors
 * under `where`) or its serial device server (`tcp`). The schema has made sure it is one of them.
 */
export function serialLineFor(config: Partial<SerialSettings> & { path?: string; tcp?: { host: string; port: number } }, factory: readonly SerialSettings[], where: string): SerialLine {
  if (config.tcp) return { tcp: { host: config.tcp.host, port: config.tcp.port } };
  if (config.path === undefined) throw new InputError(`${where}: give path (a serial port) or tcp (a serial device server)`);
  return { path: config.path, ...serialSettingsFor(config, factory, where) };
}

/** How a log line names a line: its port, or host:port of its device server. */
export function describeSerialLine(line: SerialLine): string {
  return 'tcp' in line ? `${line.tcp.host}:${line.tcp.port}` : line.path;
}
