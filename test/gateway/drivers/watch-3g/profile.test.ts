import { describe, expect, test } from 'vitest';
import { BUILT_IN_PROFILES, loadProfiles } from '../../../../firmware-profiles/index.js';
import { fixtureProblems } from '../../../../firmware-profiles/check-fixtures.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { wristbandsFromConfig } from '../../../../gateway/drivers/watch-3g/devices.js';

const watchConfig = (devices: unknown[]) =>
  gatewayConfigSchema.parse({ gatewayId: 'gw-1', cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' }, watch: { port: 0, devices } }).watch;

describe('a 4G band has a firmware profile like every other device', () => {
  test('the built-in band profile proves the watch codec with its frames', () => {
    const profile = loadProfiles().get('generic/watch-3g-band')!;
    expect(profile.transport).toBe('watch-3g');
    expect(fixtureProblems(profile)).toEqual([]);
  });

  test("a band's heartbeat comes from its profile (the built-in one by default)", () => {
    const slowBand = { id: 'acme/slow-band', vendor: 'acme', model: 'slow-band', description: 'a band that links in hourly', transport: 'watch-3g' as const, heartbeat: '1h', fixtures: [{ frame: '[3G*8800000015*0002*LK]', expect: {} }] };
    const profiles = loadProfiles([...BUILT_IN_PROFILES, slowBand]);
    const bands = wristbandsFromConfig(
      watchConfig([
        { id: 'wb-1', householdId: 'hh-1', watchId: '8800000015' },
        { id: 'wb-2', householdId: 'hh-2', watchId: '8800000016', profile: 'acme/slow-band' },
      ]),
      profiles,
    );
    expect([...bands.entries()]).toEqual([
      ['8800000015', { deviceId: 'wb-1', householdId: 'hh-1', heartbeatMs: 10 * 60_000 }],
      ['8800000016', { deviceId: 'wb-2', householdId: 'hh-2', heartbeatMs: 60 * 60_000 }],
    ]);
  });

  test('a profile that is not a watch-protocol band is named with its place', () => {
    expect(() => wristbandsFromConfig(watchConfig([{ id: 'wb-1', householdId: 'hh-1', watchId: '8800000015', profile: 'generic/mqtt-wristband' }]), loadProfiles())).toThrow(
      'watch.devices[0].profile: generic/mqtt-wristband is not a band on the watch protocol',
    );
  });

  test('a profile whose frame decodes to something else than it says is caught', () => {
    const wrong = { id: 'acme/wrong-band', vendor: 'acme', model: 'wrong-band', description: 'x', transport: 'watch-3g' as const, heartbeat: '10m', fixtures: [{ frame: '[3G*8800000015*000C*LK,50,100,90]', expect: { battery_pct: 80 } }] };
    expect(fixtureProblems(loadProfiles([wrong]).get('acme/wrong-band')!)).toEqual(['fixtures[0].expect.battery_pct: decodes to 90, not 80']);
  });
});
