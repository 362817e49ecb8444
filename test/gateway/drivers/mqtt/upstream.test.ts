import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import { freePort } from '../../../support/free-port.js';
import { requireService } from '../../../support/services.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const MQTT_URL = requireService('MQTT_URL');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The real Mosquitto of this machine as a Zigbee2MQTT installation's broker: the gateway in client mode. */
describe.runIf(MQTT_URL)('the gateway in client mode on Mosquitto', () => {
  const run = randomUUID().slice(0, 8);
  const door = `gw-test ${run} front door`;
  const button = `gw-test ${run} sos button`;

  async function gateway(dataDir: string): Promise<GatewayHandle> {
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: `gw-${run}`,
        dataDir,
        mqtt: { host: '127.0.0.1', port: 0, upstream: { url: MQTT_URL } },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        devices: [
          { id: 'door-1', householdId: 'hh-1', profile: 'aqara/mccgq11lm', topicName: door },
          { id: 'sos-1', householdId: 'hh-1', profile: 'tuya/ts0215a-sos', topicName: button },
        ],
      }),
      { clock: new VirtualClock(T0), logger: silentLogger() },
    );
    return gw;
  }

  async function zigbee2mqtt() {
    const z2m = await mqtt.connectAsync(MQTT_URL!, { clientId: `z2m-${run}-${randomUUID().slice(0, 4)}` });
    cleanups.push(() => z2m.endAsync());
    return z2m;
  }

  test('reads door events and an SOS press that Zigbee2MQTT publishes on Mosquitto', async () => {
    const gw = await gateway(tempDir());
    cleanups.push(() => gw.close());
    await until(() => gw.status().upstream?.connected === true, 'the upstream connection');
    await new Promise((r) => setTimeout(r, 200)); // the SUBACK
    const z2m = await zigbee2mqtt();
    await z2m.publishAsync(`zigbee2mqtt/${door}`, '{"contact":false,"battery":91,"voltage":3005,"linkquality":144}', { qos: 1 });
    await z2m.publishAsync(`zigbee2mqtt/${door}`, '{"contact":true,"battery":91,"voltage":3005,"linkquality":144}', { qos: 1 });
    await z2m.publishAsync(`zigbee2mqtt/${button}`, '{"action":"emergency","battery":100,"linkquality":87}', { qos: 1 });
    await until(() => gw.status().mqtt.readings === 3, 'three readings');
    expect(gw.outbox.peek(10).map((e) => [e.alert.rule, e.alert.deviceId])).toEqual([['sos', 'sos-1']]);
  });

  test('an SOS published while the gateway is down waits on the broker and arrives when it is back', async () => {
    const dir = tempDir();
    let gw = await gateway(dir);
    await until(() => gw.status().upstream?.connected === true, 'the upstream connection');
    await new Promise((r) => setTimeout(r, 200));
    await gw.close(); // its session stays on Mosquitto (clean: false, a stable client id)

    const z2m = await zigbee2mqtt();
    await z2m.publishAsync(`zigbee2mqtt/${button}`, '{"action":"emergency","battery":99,"linkquality":80}', { qos: 1 });

    gw = await gateway(dir);
    cleanups.push(() => gw.close());
    await until(() => gw.outbox.counts().pending === 1, 'the SOS queued on the broker');
    expect(gw.outbox.peek(10).map((e) => [e.alert.rule, e.alert.grade])).toEqual([['sos', 'P1']]);
  });
});
