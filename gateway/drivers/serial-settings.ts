import { InputError } from '../../lib/validation.js';

export interface SerialSettings {
  baudRate: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

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
