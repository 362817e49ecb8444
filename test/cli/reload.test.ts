import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { freePort } from '../support/free-port.js';
import { startGridwatch } from '../support/processes.js';
import { tempDir } from '../support/temp-dir.js';

describe('gridwatch gateway and SIGHUP', () => {
  test('an edited config replaces the rules without a restart; a broken one is refused and the rules stay', async () => {
    const dir = tempDir();
    const file = join(dir, 'gateway.yaml');
    const config = {
      gatewayId: 'gw-reload',
      dataDir: join(dir, 'data'),
      mqtt: { host: '127.0.0.1', port: await freePort(), allowAnonymous: true },
      cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
      devices: [{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow' }],
      households: [{ id: 'hh-1', tags: ['living-alone'] }],
    };
    writeFileSync(file, stringify(config));
    const gateway = startGridwatch(['gateway', '--config', file]);
    try {
      await gateway.waitForLog(/gateway started/);
      const meter = await mqtt.connectAsync(`mqtt://127.0.0.1:${config.mqtt.port}`, { clientId: 'wm-1' });
      await meter.publishAsync('gridwatch/wm-1/water', '{"total_l":100,"battery":80}', { qos: 1 });
      await meter.endAsync();

      writeFileSync(file, stringify({ ...config, households: [{ id: 'hh-1', tags: ['living-alone'], rules: { 'welfare-check': { window: '12h', minDrawL: 2 } } }] }));
      gateway.child.kill('SIGHUP');
      await gateway.waitForLog(/rules replaced/);
      // wm-1 has state in no-water-use, low-battery and device-silent, its household in the
      // welfare check: only the welfare check changed (its state holds what its figures made of
      // the readings, so it starts again; no-water-use's records only what happened).
      expect(gateway.stderr()).toMatch(/"kept":3,"restarted":1/);

      writeFileSync(file, readFileSync(file, 'utf8').replace('12h', 'twelve hours'));
      gateway.child.kill('SIGHUP');
      await gateway.waitForLog(/config not reloaded/);
      expect(gateway.stderr()).toMatch(/households\[0\]\.rules\.welfare-check\.window: \\"twelve hours\\" is not a duration/);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  });
});
