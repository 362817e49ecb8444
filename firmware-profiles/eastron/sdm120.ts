import type { ProfileInput } from '../schema.js';

/**
 * Eastron SDM120-Modbus single-phase meter (a household's electricity sub-meter). Input
 * registers (function 04), IEEE 754 float32, big-endian, from the manual's table: 30001 voltage,
 * 30007 current, 30013 active power, 30031 power factor, 30071 frequency, 30343 total active
 * energy. Factory settings: unit 1, 2400 baud, 8N1.
 */
export const eastronSdm120: ProfileInput = {
  id: 'eastron/sdm120',
  vendor: 'eastron',
  model: 'sdm120',
  description: 'Eastron SDM120 single-phase energy meter over Modbus',
  transport: 'modbus',
  unitId: 1,
  serial: { baudRate: 2400, parity: 'none', dataBits: 8, stopBits: 1 },
  pollInterval: '1m',
  heartbeat: '1m',
  points: [
    { metric: 'voltage_v', inputType: 'input', address: 0x0000, dataType: 'float32', min: 0, max: 500 }, // 30001
    { metric: 'current_a', inputType: 'input', address: 0x0006, dataType: 'float32', min: 0, max: 100 }, // 30007
    { metric: 'power_w', inputType: 'input', address: 0x000c, dataType: 'float32' }, // 30013
    { metric: 'power_factor', inputType: 'input', address: 0x001e, dataType: 'float32', min: -1, max: 1 }, // 30031
    { metric: 'frequency_hz', inputType: 'input', address: 0x0046, dataType: 'float32', min: 40, max: 70 }, // 30071
    { metric: 'energy_kwh', inputType: 'input', address: 0x0156, dataType: 'float32', min: 0 }, // 30343
  ],
  fixtures: [
    {
      // 230.1 V, 0.52 A, 98.6 W, PF 0.82, 50.01 Hz, 1234.56 kWh, as float32 words.
      reads: [
        { inputType: 'input', address: 0x0000, words: [0x4366, 0x199a, 0, 0, 0, 0, 0x3f05, 0x1eb8, 0, 0, 0, 0, 0x42c5, 0x3333] },
        { inputType: 'input', address: 0x001e, words: [0x3f51, 0xeb85] },
        { inputType: 'input', address: 0x0046, words: [0x4248, 0x0a3d] },
        { inputType: 'input', address: 0x0156, words: [0x449a, 0x51ec] },
      ],
      expect: { voltage_v: 230.1, current_a: 0.52, power_w: 98.6, power_factor: 0.82, frequency_hz: 50.01, energy_kwh: 1234.56 },
    },
    {
      // A reply one register short: the energy cannot be decoded.
      reads: [
        { inputType: 'input', address: 0x0000, words: [0x4366, 0x199a, 0, 0, 0, 0, 0x3f05, 0x1eb8, 0, 0, 0, 0, 0x42c5, 0x3333] },
        { inputType: 'input', address: 0x001e, words: [0x3f51, 0xeb85] },
        { inputType: 'input', address: 0x0046, words: [0x4248, 0x0a3d] },
        { inputType: 'input', address: 0x0156, words: [0x449a] },
      ],
      rejectReason: 'no reply covers input registers 342..343',
    },
  ],
};
