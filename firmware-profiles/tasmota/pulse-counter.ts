import type { ProfileInput } from '../schema.js';

/**
 * A reed-switch water meter wired to a Tasmota device's counter input. Tasmota publishes its
 * telemetry as `tele/<topic>/SENSOR` with `{"Time":"...","COUNTER":{"C1":<pulses>}}` every
 * TelePeriod (300 s by default). One pulse is 10 L on the common DN15/DN20 meters with a pulse
 * output; change `scale` for a meter with another pulse weight.
 */
export const tasmotaPulseCounter: ProfileInput = {
  id: 'tasmota/pulse-counter',
  vendor: 'tasmota',
  model: 'pulse-counter',
  description: 'Tasmota pulse counter on a water meter (10 L per pulse)',
  transport: 'mqtt-json',
  topic: 'tele/{device}/SENSOR',
  heartbeat: '5m',
  fields: [{ metric: 'volume_l', path: 'COUNTER.C1', scale: 10, min: 0 }],
  availability: { topic: 'tele/{device}/LWT' },
  fixtures: [
    { payload: '{"Time":"2026-11-25T08:00:00","COUNTER":{"C1":1234}}', expect: { volume_l: 12340 } },
    { payload: '{"Time":"2026-11-25T08:00:00","ENERGY":{"Power":3}}', rejectReason: 'COUNTER.C1' },
    { payload: '{"COUNTER":{"C1":1e308}}', rejectReason: 'out of range once scaled' },
  ],
};
