import { describe, expect, test } from 'vitest';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import { mqttDevicesByTopic } from '../../../../gateway/drivers/mqtt/devices.js';

describe('MQTT devices of a gateway config', () => {
  const profiles = loadProfiles();

  test('each device gets its profile topic with its topic name', () => {
    const devices = mqttDevicesByTopic(
      [
        { id: 'door-1', householdId: 'hh-1', profile: 'aqara/mccgq11lm', topicName: 'Front door' },
        { id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow' },
      ],
      profiles,
    );
    expect([...devices.keys()]).toEqual(['zigbee2mqtt/Front door', 'gridwatch/wm-1/water']);
    expect(devices.get('zigbee2mqtt/Front door')!.context).toEqual({ deviceId: 'door-1', householdId: 'hh-1', heartbeatMs: 3_600_000 });
  });

  test('two devices on one topic, or a Modbus profile among MQTT devices, are named', () => {
    expect(() =>
      mqttDevicesByTopic(
        [
          { id: 'a', householdId: 'hh-1', profile: 'aqara/mccgq11lm', topicName: 'door' },
          { id: 'b', householdId: 'hh-1', profile: 'aqara/mccgq11lm', topicName: 'door' },
        ],
        profiles,
      ),
    ).toThrow(/devices\[1\]: topic zigbee2mqtt\/door is already used by device a/);
    expect(() => mqttDevicesByTopic([{ id: 'm', householdId: 'hh-1', profile: 'eastron/sdm120' }], profiles)).toThrow(
      /devices\[0\]\.profile: eastron\/sdm120 is a modbus device/,
    );
  });
});
