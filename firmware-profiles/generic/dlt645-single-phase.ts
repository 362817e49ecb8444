import type { ProfileInput } from '../schema.js';

/**
 * A single-phase residential meter speaking DL/T 645-2007 on its RS-485 port, as State Grid
 * meters in Chinese homes do: forward active energy (DI 00010000, XXXXXX.XX kWh), phase A voltage
 * (02010100, XXX.X V) and current (02020100, XXX.XXX A). The standard's default line: 2400 baud,
 * even parity, 8 data bits, 1 stop bit.
 */
export const dlt645SinglePhase: ProfileInput = {
  id: 'generic/dlt645-single-phase',
  vendor: 'generic',
  model: 'dlt645-single-phase',
  description: 'DL/T 645-2007 single-phase residential electricity meter',
  transport: 'dlt645',
  serial: { baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 },
  pollInterval: '15m',
  heartbeat: '15m',
  points: [
    { metric: 'energy_kwh', di: '00010000', bytes: 4, decimals: 2, min: 0 },
    { metric: 'voltage_v', di: '02010100', bytes: 2, decimals: 1, min: 0, max: 500 },
    { metric: 'current_a', di: '02020100', bytes: 3, decimals: 3, min: 0, max: 100 },
  ],
  fixtures: [
    {
      address: '000012345678',
      replies: [
        'fe fe fe fe 68 78 56 34 12 00 00 68 91 08 33 33 34 33 46 9b 57 33 b5 16',
        'fe fe fe fe 68 78 56 34 12 00 00 68 91 06 33 34 34 35 49 55 e9 16',
        'fe fe fe fe 68 78 56 34 12 00 00 68 91 07 33 34 35 35 58 64 33 3c 16',
      ],
      expect: { energy_kwh: 2468.13, voltage_v: 221.6, current_a: 3.125 },
    },
    {
      address: '000012345678',
      replies: ['fe fe fe fe 68 78 56 34 12 00 00 68 d1 01 35 eb 16'],
      rejectReason: 'the meter answered error 2',
    },
    {
      // A reply from another meter on the line (address 000012345679).
      address: '000012345678',
      replies: ['fe fe fe fe 68 79 56 34 12 00 00 68 91 08 33 33 34 33 46 9b 57 33 b6 16'],
      rejectReason: 'reply from meter 000012345679',
    },
  ],
};
