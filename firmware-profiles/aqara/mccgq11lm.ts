import type { ProfileInput } from '../schema.js';

/**
 * Aqara MCCGQ11LM door and window contact, as Zigbee2MQTT publishes it: topic
 * `zigbee2mqtt/<friendly name>`, `{"contact":true,"battery":91,"voltage":3005,"linkquality":144}`.
 * contact true means closed (magnet near). battery may be absent until the first report. Aqara
 * end devices check in about hourly even when the door does not move.
 */
export const aqaraMccgq11lm: ProfileInput = {
  id: 'aqara/mccgq11lm',
  vendor: 'aqara',
  model: 'mccgq11lm',
  description: 'Aqara door and window contact via Zigbee2MQTT',
  transport: 'mqtt-json',
  topic: 'zigbee2mqtt/{device}',
  heartbeat: '1h',
  fields: [{ metric: 'battery_pct', path: 'battery', optional: true, min: 0, max: 100 }],
  flags: [{ metric: 'contact_closed', path: 'contact' }],
  availability: { topic: 'zigbee2mqtt/{device}/availability', bridgeTopic: 'zigbee2mqtt/bridge/state' },
  fixtures: [
    { payload: '{"contact":true,"battery":91,"voltage":3005,"linkquality":144}', expect: { contact_closed: 1, battery_pct: 91 } },
    { payload: '{"contact":false,"linkquality":120}', expect: { contact_closed: 0 } },
    { payload: '{"battery":91,"voltage":3005,"linkquality":144}', rejectReason: 'contact is missing' },
    { payload: '{"contact":"open"}', rejectReason: 'expected true or false' },
  ],
};
