import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { closed, mqttGateway, publishOrClose, type MqttGateway } from './gateway-harness.js';

let gateway: MqttGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** Zigbee2MQTT's `bridge/devices` for 25 devices: a retained JSON array of 100+ KB. */
function bridgeDevices(bytes: number): string {
  const device = (i: number) => JSON.stringify({ ieee_address: `0x00158d000${i}`, friendly_name: `device ${i}`, definition: { description: 'x'.repeat(4_000) } });
  const list: string[] = [];
  for (let i = 0; JSON.stringify(list).length < bytes; i++) list.push(device(i));
  return `[${list.join(',')}]`;
}

async function refused(client: MqttClient, topic: string, payload: string): Promise<void> {
  const gone = closed(client);
  client.publish(topic, payload, { qos: 1 });
  await gone;
}

describe('payload limits by topic (issue 12, item 14)', () => {
  test("a Zigbee2MQTT bridge's retained bridge/devices of 150 KB is taken (not a frame); the bridge stays connected", async () => {
    gateway = await mqttGateway(); // maxPayloadBytes: 64 KiB
    const z2m = await gateway.connect('zigbee2mqtt');
    const devices = bridgeDevices(150_000);
    expect(devices.length).toBeGreaterThan(150_000);
    expect(await publishOrClose(z2m, 'zigbee2mqtt/bridge/devices', devices, { retain: true })).toBe('acked');
    expect(await publishOrClose(z2m, 'zigbee2mqtt/Front door', '{"contact":true,"battery":91}')).toBe('acked');
    expect(z2m.connected).toBe(true);
    expect(gateway.gw.status().mqtt).toMatchObject({ ignored: 1, oversize: 0, malformed: 0, readings: 1 });
  });

  test("a bridge's device frame keeps maxPayloadBytes", async () => {
    gateway = await mqttGateway();
    await refused(await gateway.connect('zigbee2mqtt'), 'zigbee2mqtt/Front door', `{"contact":true,"pad":"${'x'.repeat(100_000)}"}`);
    expect(gateway.gw.status().mqtt).toMatchObject({ oversize: 1, readings: 0 });
  });

  test('a device (not a bridge) gets no larger limit on its ignored topics', async () => {
    gateway = await mqttGateway();
    await refused(await gateway.connect('tasmota-7'), 'tele/water_meter_7/STATE', 'x'.repeat(100_000));
    expect(gateway.gw.status().mqtt).toMatchObject({ oversize: 1, ignored: 0 });
  });

  test("over the bridge's own maxIgnoredPayloadBytes the packet is cut off at its header", async () => {
    gateway = await mqttGateway({ bridges: [{ username: 'zigbee2mqtt', passwordSha256: (await import('../../../../lib/tokens.js')).hashToken('z2m-secret'), topics: ['zigbee2mqtt/#'], maxIgnoredPayloadBytes: 200_000 }] });
    await refused(await gateway.connect('zigbee2mqtt'), 'zigbee2mqtt/bridge/devices', bridgeDevices(400_000));
    expect(gateway.gw.status().mqtt).toMatchObject({ oversize: 1, ignored: 0 });
  });
});
