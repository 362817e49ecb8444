import type { ProfileInput } from '../schema.js';

/**
 * The common RS-485 sound-level transmitter of construction-site monitoring: holding register
 * 0x0000 (40001) holds the A-weighted level x 10 as an unsigned 16-bit integer; factory settings
 * unit 1, 4800 baud, 8N1; it needs ~100 ms to answer, and is polled every second so the rules
 * can form LAeq over 5 minutes.
 */
export const rs485Noise: ProfileInput = {
  id: 'generic/rs485-noise',
  vendor: 'generic',
  model: 'rs485-noise',
  description: 'RS-485 sound-level transmitter, dB(A) x 10 in holding register 0',
  transport: 'modbus',
  unitId: 1,
  serial: { baudRate: 4800, parity: 'none', dataBits: 8, stopBits: 1 },
  pollInterval: '1s',
  responseTimeout: '300ms',
  heartbeat: '1s',
  points: [{ metric: 'noise_dba', inputType: 'holding', address: 0x0000, dataType: 'uint16', scale: 0.1, min: 20, max: 140 }], // 40001
  fixtures: [
    { reads: [{ inputType: 'holding', address: 0, words: [623] }], expect: { noise_dba: 62.3 } },
    { reads: [{ inputType: 'holding', address: 0, words: [65535] }], rejectReason: 'above 140' },
  ],
};
