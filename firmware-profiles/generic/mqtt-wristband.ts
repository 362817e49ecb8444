import type { ProfileInput } from '../schema.js';

/**
 * An SOS wristband for elders that reports over the home's Wi-Fi/BLE bridge as JSON over MQTT:
 * SOS key, fall detection, heart rate, SpO2, position and battery in one message every few
 * minutes, and at once when the key is pressed or a fall is detected.
 */
export const mqttWristband: ProfileInput = {
  id: 'generic/mqtt-wristband',
  vendor: 'generic',
  model: 'mqtt-wristband',
  description: 'MQTT JSON SOS wristband: SOS, fall, heart rate, SpO2, position, battery',
  transport: 'mqtt-json',
  topic: 'gridwatch/{device}/band',
  heartbeat: '5m',
  // It reports through the home's bridge: out of range when its wearer goes out.
  homeRangeOnly: true,
  fields: [
    { metric: 'heart_rate_bpm', path: 'hr', optional: true, min: 20, max: 250 },
    { metric: 'spo2_pct', path: 'spo2', optional: true, min: 50, max: 100 },
    { metric: 'latitude_deg', path: 'lat', optional: true, min: -90, max: 90 },
    { metric: 'longitude_deg', path: 'lon', optional: true, min: -180, max: 180 },
    { metric: 'battery_pct', path: 'battery', optional: true, min: 0, max: 100 },
  ],
  events: [
    { event: 'sos', path: 'sos', equals: true },
    { event: 'fall', path: 'fall', equals: true },
  ],
  fixtures: [
    {
      payload: '{"sos":false,"fall":false,"hr":72,"spo2":97,"lat":31.2304,"lon":121.4737,"battery":80}',
      expect: { heart_rate_bpm: 72, spo2_pct: 97, latitude_deg: 31.2304, longitude_deg: 121.4737, battery_pct: 80 },
    },
    { payload: '{"sos":true,"battery":79}', expect: { battery_pct: 79 }, expectEvents: ['sos'] },
    { payload: '{"fall":true,"hr":110}', expect: { heart_rate_bpm: 110 }, expectEvents: ['fall'] },
    { payload: '{"hr":300}', rejectReason: 'above 250' },
  ],
};
