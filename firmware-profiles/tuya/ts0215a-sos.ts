import type { ProfileInput } from '../schema.js';

/**
 * Tuya TS0215A_sos emergency button, as Zigbee2MQTT publishes it: `{"action":"emergency",
 * "battery":100,"linkquality":87}` when pressed; battery reports come without an action. It
 * reports rarely when nobody presses it, so it is silent only after a day.
 */
export const tuyaTs0215aSos: ProfileInput = {
  id: 'tuya/ts0215a-sos',
  vendor: 'tuya',
  model: 'ts0215a-sos',
  description: 'Tuya SOS button via Zigbee2MQTT',
  transport: 'mqtt-json',
  topic: 'zigbee2mqtt/{device}',
  heartbeat: '12h',
  fields: [{ metric: 'battery_pct', path: 'battery', optional: true, min: 0, max: 100 }],
  events: [{ event: 'sos', path: 'action', equals: 'emergency' }],
  availability: { topic: 'zigbee2mqtt/{device}/availability', bridgeTopic: 'zigbee2mqtt/bridge/state' },
  fixtures: [
    { payload: '{"action":"emergency","battery":100,"linkquality":87}', expect: { battery_pct: 100 }, expectEvents: ['sos'] },
    { payload: '{"battery":64,"linkquality":90}', expect: { battery_pct: 64 } },
    { payload: '{"action":"","linkquality":90}', expect: {} },
    { payload: '"emergency"', rejectReason: 'not a JSON object' },
  ],
};
