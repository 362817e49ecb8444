/**
 * A QoS 1 SOS sent again after the gateway died before its PUBACK (same packet id, same payload)
 * is one press: one alert, not two (issue 12, item 7).
 */
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { hashToken } from '../../../../lib/tokens.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import { freePort } from '../../../support/free-port.js';
import { MINUTE, T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { rawClient } from '../../../simulators/raw-client.js';

const PRESS = '{"action":"emergency","battery":90,"linkquality":80}';
const TOPIC = 'zigbee2mqtt/SOS button bedroom';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gatewayOn(dataDir: string, clock: VirtualClock): Promise<GatewayHandle> {
  const gw = await startGateway(
    gatewayConfigSchema.parse({
      gatewayId: 'gw-1',
      dataDir,
      mqtt: { host: '127.0.0.1', port: 0, bridges: [{ username: 'zigbee2mqtt', passwordSha256: hashToken('z2m-secret'), topics: ['zigbee2mqtt/#'] }] },
      // Nobody listens there: alerts stay in the outbox, where the test can see them.
      cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
      devices: [{ id: 'sos-3', householdId: 'hh-3', profile: 'tuya/ts0215a-sos', topicName: 'SOS button bedroom' }],
    }),
    { clock, logger: silentLogger() },
  );
  cleanups.push(() => gw.close());
  return gw;
}

/** Zigbee2MQTT's connection, byte by byte, so the test chooses packet ids and the DUP flag. */
async function bridge(port: number) {
  const client = await rawClient(port);
  cleanups.push(() => client.close());
  client.send(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'zigbee2mqtt', clean: false, keepalive: 60, username: 'zigbee2mqtt', password: Buffer.from('z2m-secret') }));
  const connack = await client.read(4);
  expect(connack[3], 'CONNACK return code').toBe(0);
  return {
    /** A QoS 1 publish; resolves with the PUBACK's packet id. */
    async publish(messageId: number, payload: string, dup = false): Promise<number> {
      client.send(mqttPacket.generate({ cmd: 'publish', topic: TOPIC, payload, qos: 1, messageId, dup, retain: false }));
      const puback = await client.read(4);
      expect(puback[0], 'PUBACK').toBe(0x40);
      return puback.readUInt16BE(2);
    },
    close: () => client.close(),
  };
}

const sosAlerts = (gw: GatewayHandle) => gw.outbox.peek(100).map((e) => e.alert).filter((a) => a.rule === 'sos');

describe('a QoS 1 SOS sent again after the gateway restarted', () => {
  test('is the same press: one alert; a new press, even with the same payload, is another', async () => {
    const dataDir = tempDir();
    const clock = new VirtualClock(T0);
    const first = await gatewayOn(dataDir, clock);
    const z2m = await bridge(first.mqttPort);
    expect(await z2m.publish(7, PRESS)).toBe(7);
    expect(sosAlerts(first)).toHaveLength(1);
    // The gateway goes down; the bridge never saw the PUBACK (the kill came first), so it sends
    // the press again on its next connection, with the same packet id (DUP set, as the spec says).
    z2m.close();
    await first.close();
    await clock.advance(2 * MINUTE);
    const second = await gatewayOn(dataDir, clock);
    const again = await bridge(second.mqttPort);
    expect(await again.publish(7, PRESS, true)).toBe(7);
    // mqtt.js (Zigbee2MQTT's client) sends it again without DUP: the same press all the same.
    expect(await again.publish(7, PRESS)).toBe(7);
    expect(sosAlerts(second)).toHaveLength(1);
    expect(second.status().mqtt).toMatchObject({ resent: 2 });

    // A real second press: a new packet id, the same words.
    await clock.advance(MINUTE);
    expect(await again.publish(8, PRESS)).toBe(8);
    const alerts = sosAlerts(second);
    expect(alerts).toHaveLength(2);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(2);
  });

  test('two presses in flight, both sent again out of order, stay two alerts', async () => {
    const dataDir = tempDir();
    const clock = new VirtualClock(T0);
    const first = await gatewayOn(dataDir, clock);
    const z2m = await bridge(first.mqttPort);
    await z2m.publish(20, PRESS);
    await clock.advance(1_000);
    await z2m.publish(21, PRESS);
    z2m.close();
    await first.close();
    const second = await gatewayOn(dataDir, clock);
    const again = await bridge(second.mqttPort);
    await again.publish(21, PRESS, true);
    await again.publish(20, PRESS, true);
    expect(sosAlerts(second)).toHaveLength(2);
  });
});
