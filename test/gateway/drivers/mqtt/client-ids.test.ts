import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { closed, mqttGateway, type MqttGateway } from './gateway-harness.js';

let gateway: MqttGateway | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
  await gateway?.close();
  gateway = undefined;
});

describe('a client id belongs to the identity that logged in with it (issue 12, item 9)', () => {
  test("a device logging in with another device's client id is refused, and the other stays connected", async () => {
    gateway = await mqttGateway();
    const band = await gateway.connect('band-2');
    for (let i = 0; i < 3; i++) {
      await expect(gateway.connect('wm-1', { clientId: 'band-2' })).rejects.toMatchObject({ code: 2 });
    }
    expect(band.connected).toBe(true);
    await band.publishAsync('gridwatch/band-2/band', '{"sos":true}', { qos: 1 });
    expect(gateway.gw.outbox.peek(10).map((e) => e.alert.rule)).toEqual(['sos']);
    expect(gateway.gw.status().mqtt.loginRefused).toBe(3);
  });

  test("nobody else resumes a device's persistent session or reads its queued messages; the device itself does", async () => {
    gateway = await mqttGateway();
    const band = await gateway.connect('band-2', { clean: false });
    await band.subscribeAsync('gridwatch/band-2/cmd', { qos: 1 });
    await band.endAsync();
    // Queued for the absent session: a command to the band (its own namespace, another connection of it).
    const sender = await gateway.connect('band-2', { clientId: 'band-2-console' });
    await sender.publishAsync('gridwatch/band-2/cmd', 'locate', { qos: 1 });

    await expect(gateway.connect('wm-1', { clientId: 'band-2', clean: false })).rejects.toMatchObject({ code: 2 });
    await expect(gateway.connect('zigbee2mqtt', { clientId: 'band-2', clean: true })).rejects.toMatchObject({ code: 2 });

    const received: string[] = [];
    const again = mqtt.connect(gateway.url, { clientId: 'band-2', username: 'band-2', password: 'band-2-secret', clean: false, reconnectPeriod: 0 });
    again.on('message', (_topic, payload) => received.push(payload.toString()));
    cleanup = () => again.endAsync(true);
    await expect.poll(() => received).toEqual(['locate']);
  });

  test("a device's own reconnect takes over its old connection", async () => {
    gateway = await mqttGateway();
    const first = await gateway.connect('band-2');
    const gone = closed(first);
    const second = await gateway.connect('band-2');
    await gone;
    expect(second.connected).toBe(true);
  });

  test('a clean-session client id is free again once its holder has gone', async () => {
    gateway = await mqttGateway();
    const meter = await gateway.connect('wm-1', { clientId: 'shared-id' });
    await meter.endAsync();
    const band = await gateway.connect('band-2', { clientId: 'shared-id' });
    expect(band.connected).toBe(true);
  });
});
