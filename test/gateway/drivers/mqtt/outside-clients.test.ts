import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import { hashToken } from '../../../../lib/tokens.js';
import { requireCommand } from '../../../support/commands.js';
import { freePort } from '../../../support/free-port.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const run = promisify(execFile);

/** Our broker must speak MQTT to clients we did not write: Mosquitto's own mosquitto_pub here. */
describe.runIf(requireCommand('mosquitto_pub'))('the gateway broker with an outside MQTT client', () => {
  let gateway: GatewayHandle;
  beforeAll(async () => {
    gateway = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-1',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0 },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        devices: [{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: hashToken('meter-secret') }],
      }),
      { clock: new VirtualClock(T0), logger: silentLogger() },
    );
  });
  afterAll(() => gateway.close());

  const pub = (version: string, qos: string, message: string) =>
    run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(gateway.mqttPort), '-V', version, '-q', qos, '-i', 'wm-1', '-u', 'wm-1', '-P', 'meter-secret', '-t', 'gridwatch/wm-1/water', '-m', message]);

  test.each([
    ['mqttv311', '1'],
    ['mqttv311', '0'],
    ['mqttv31', '1'],
  ])('mosquitto_pub -V %s -q %s delivers a reading', async (version, qos) => {
    const before = gateway.status().mqtt.readings;
    await pub(version, qos, '{"total_l":321.5,"battery":77}');
    // QoS 1: mosquitto_pub exits after the PUBACK, which we send after evaluating the frame.
    if (qos === '0') await new Promise((r) => setTimeout(r, 200));
    expect(gateway.status().mqtt.readings).toBe(before + 1);
  });

  test('an MQTT 5 client is refused at CONNECT (aedes 1.x speaks 3.1 and 3.1.1), and the broker carries on', async () => {
    const refusedBefore = gateway.status().mqtt.refusedProtocol;
    await expect(pub('mqttv5', '1', '{"total_l":1}')).rejects.toThrow(/protocol error/);
    // Counted by its reason (issue 12, item 17).
    await expect.poll(() => gateway.status().mqtt.refusedProtocol).toBe(refusedBefore + 1);
    const before = gateway.status().mqtt.readings;
    await pub('mqttv311', '1', '{"total_l":322}');
    expect(gateway.status().mqtt.readings).toBe(before + 1);
  });

  test('mosquitto_pub -r -n (clearing a retained message) is not a malformed frame (issue 12, item 16)', async () => {
    const before = gateway.status().mqtt;
    await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(gateway.mqttPort), '-q', '1', '-i', 'wm-1', '-u', 'wm-1', '-P', 'meter-secret', '-t', 'gridwatch/wm-1/water', '-r', '-n']);
    expect(gateway.status().mqtt).toMatchObject({ malformed: before.malformed, frames: before.frames, retainCleared: before.retainCleared + 1 });
    expect(gateway.status().pushed.find((d) => d.deviceId === 'wm-1')?.lastFault).toBeNull();
  });

  test('a malformed payload from it is counted, not fatal', async () => {
    const before = gateway.status().mqtt.malformed;
    await pub('mqttv311', '1', '{"total_l":');
    expect(gateway.status().mqtt.malformed).toBe(before + 1);
  });
});
