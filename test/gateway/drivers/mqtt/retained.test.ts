import { afterEach, describe, expect, test } from 'vitest';
import { mqttGateway, type MqttGateway } from './gateway-harness.js';

let gateway: MqttGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe('retained messages', () => {
  test('an empty retained publish clears the retained message and is not a malformed frame (issue 12, item 16)', async () => {
    gateway = await mqttGateway();
    const meter = await gateway.connect('wm-1');
    await meter.publishAsync('gridwatch/wm-1/water', '{"total_l":5}', { qos: 1, retain: true });
    await meter.publishAsync('gridwatch/wm-1/water', '', { qos: 1, retain: true });
    expect(gateway.gw.status().mqtt).toMatchObject({ frames: 1, readings: 1, malformed: 0, retainCleared: 1 });
    expect(meter.connected).toBe(true);
    // The retained message is gone: a new subscriber gets nothing.
    const received: string[] = [];
    const watcher = await gateway.connect('wm-1', { clientId: 'wm-1-watcher' });
    watcher.on('message', (_t, p) => received.push(p.toString()));
    await watcher.subscribeAsync('gridwatch/wm-1/water', { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
  });
});
