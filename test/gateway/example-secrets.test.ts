import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../lib/time/clock.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { freePort } from '../support/free-port.js';
import { T0 } from '../support/rules/rule-harness.js';
import { tempDir } from '../support/temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a gateway using the secrets published in examples/ (issue 12 item 13)', () => {
  test('says so at start, naming each config key', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) {
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.level === 40) warnings.push(entry);
        }
        done();
      },
    });
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-1',
        dataDir: tempDir(),
        mqtt: {
          host: '127.0.0.1',
          port: 0,
          bridges: [{ username: 'zigbee2mqtt', passwordSha256: '8ee1c2de8dcdb89005d0620d83bbed4b215e3cfb35b94f6002994744f6893a6b', topics: ['zigbee2mqtt/#'] }],
        },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'ikFFa1_DcVHSciT4ea82Ro-Yz8aCFiOnMZXDiJuENk4' },
        devices: [
          { id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: 'e84b61745f1d79ad9fc3752d0acbdacde8b32101ee62d9c62baeac07bf5939ac' },
          { id: 'wm-2', householdId: 'hh-2', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: 'a'.repeat(64) },
        ],
      }),
      { clock: new VirtualClock(T0), logger: pino({ level: 'warn' }, stream) },
    );
    cleanups.push(() => gw.close());
    const warning = warnings.find((w) => Array.isArray(w.keys));
    expect(warning?.keys).toEqual(['cloud.token', 'devices[0].mqttPasswordSha256', 'mqtt.bridges[0].passwordSha256']);
    expect(warning?.msg).toMatch(/EXAMPLE secrets/);
  });
});
