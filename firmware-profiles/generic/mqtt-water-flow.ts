import type { ProfileInput } from '../schema.js';

/**
 * A water flow monitor on the household's meter that publishes JSON over MQTT: cumulative
 * litres since installation, instantaneous flow, battery. This is the shape the flow monitors of
 * the "no water use" pilots report (a cumulative volume, so a lost message loses no water).
 */
export const mqttWaterFlow: ProfileInput = {
  id: 'generic/mqtt-water-flow',
  vendor: 'generic',
  model: 'mqtt-water-flow',
  description: 'MQTT JSON water flow monitor: cumulative litres, flow, battery',
  transport: 'mqtt-json',
  topic: 'gridwatch/{device}/water',
  heartbeat: '15m',
  fields: [
    { metric: 'volume_l', path: 'total_l', min: 0 },
    { metric: 'flow_lpm', path: 'flow_lpm', optional: true, min: 0, max: 500 },
    { metric: 'battery_pct', path: 'battery', optional: true, min: 0, max: 100 },
  ],
  fixtures: [
    { payload: '{"total_l":10234.5,"flow_lpm":0,"battery":87}', expect: { volume_l: 10234.5, flow_lpm: 0, battery_pct: 87 } },
    { payload: '{"total_l":12}', expect: { volume_l: 12 } },
    { payload: '{"flow_lpm":3}', rejectReason: 'total_l' },
    { payload: '{"total_l":"12"}', rejectReason: 'total_l' },
    { payload: '{"total_l":5,"battery":140}', rejectReason: 'battery' },
    { payload: 'not json', rejectReason: 'JSON' },
  ],
};
