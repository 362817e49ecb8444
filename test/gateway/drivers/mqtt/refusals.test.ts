import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { capturingLogger, mqttGateway, type MqttGateway } from './gateway-harness.js';

let gateway: MqttGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe('refused connections (issue 12, item 17)', () => {
  test('are logged at info level and counted per reason in the status', async () => {
    const { logger, lines } = capturingLogger();
    gateway = await mqttGateway({}, logger);
    const refuse = (options: mqtt.IClientOptions) => expect(mqtt.connectAsync(gateway!.url, { reconnectPeriod: 0, ...options })).rejects.toThrow();
    await refuse({ clientId: 'a', username: 'wm-1', password: 'guess' });
    await refuse({ clientId: 'b', username: 'nobody', password: 'guess' });
    await refuse({ clientId: 'c' });
    await gateway.connect('band-2');
    await refuse({ clientId: 'band-2', username: 'wm-1', password: 'wm-1-secret' });
    await refuse({ clientId: 'd', username: 'wm-1', password: 'wm-1-secret', protocolVersion: 5 });
    await expect.poll(() => gateway!.gw.status().mqtt.refusedProtocol).toBe(1);
    expect(gateway.gw.status().mqtt).toMatchObject({ loginRefused: 5, refusedBadCredentials: 2, refusedNoCredentials: 1, refusedClientId: 1, refusedProtocol: 1 });
    const logged = lines.filter((l) => l.refused);
    expect(logged.map((l) => l.refused).sort()).toEqual(['refused-bad-credentials', 'refused-bad-credentials', 'refused-client-id', 'refused-no-credentials', 'refused-protocol']);
    expect(logged.every((l) => l.level === 30)).toBe(true);
  });
});
