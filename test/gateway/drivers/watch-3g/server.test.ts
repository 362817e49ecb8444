import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { watchBandClient } from '../../../support/devices/watch-band-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gateway(clock = new VirtualClock(T0)): Promise<GatewayHandle> {
  const gw = await startGateway(
    gatewayConfigSchema.parse({
      gatewayId: 'gw-central',
      dataDir: tempDir(),
      mqtt: { host: '127.0.0.1', port: 0 },
      cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' },
      watch: { host: '127.0.0.1', port: 0, devices: [{ id: 'band-1', householdId: 'hh-1', watchId: '8809008845' }] },
    }),
    { clock, logger: silentLogger() },
  );
  cleanups.push(() => gw.close());
  return gw;
}

const band = (port: number) => watchBandClient(port, cleanups);

describe('4G wristbands dialling in with the 3G watch protocol', () => {
  test('LK is echoed; an SOS (AL, status bit 16) is a P1 alert on disk before its AL reply goes out', async () => {
    const gw = await gateway();
    const b = await band(gw.status().watch!.port);
    b.send('[3G*8809008845*000D*LK,50,100,100]');
    expect(await b.replies(1)).toBe('[3G*8809008845*0002*LK]');
    b.send(
      '[3G*8809008845*00C0*AL,271219,094744,V,00.000000,N, 0.0000000,E,0.00,0.0,0.0,0,100,81,0,0,00010000,7,0,460,0,9336,3981,141,9336,3912,141,9336,3982,140,9765,4233,134,9765,4071,134,9765,4321,134,9336,4353,132,0,0.0]',
    );
    expect(await b.replies(2)).toBe('[3G*8809008845*0002*LK][3G*8809008845*0002*AL]');
    expect(gw.outbox.peek(10).map((e) => [e.alert.rule, e.alert.grade, e.alert.deviceId])).toEqual([['sos', 'P1', 'band-1']]);
    expect(gw.status().watch).toMatchObject({ messages: 2, readings: 2, malformed: 0 });
  });

  test('a fall the band sends three times (its echo late) is one alert, and every send is echoed', async () => {
    const clock = new VirtualClock(T0);
    const gw = await gateway(clock);
    const b = await band(gw.status().watch!.port);
    // Status bit 21: a fall; the band's own date and time of the alarm are in the message.
    const fall = '[3G*8809008845*0052*AL,231126,130500,A,31.231000,N,121.474000,E,0.00,0.0,0.0,8,100,80,0,0,00200000,0,0]';
    for (let n = 1; n <= 3; n++) {
      b.send(fall);
      expect(await b.replies(n)).toBe('[3G*8809008845*0002*AL]'.repeat(n));
      await clock.advance(20_000); // the band's reply timeout: it sends again
    }
    expect(gw.outbox.peek(10).map((e) => [e.alert.rule, e.alert.deviceId])).toEqual([['fall', 'band-1']]);
    expect(gw.status().watch).toMatchObject({ messages: 3, readings: 1, repeatedAlarms: 2 });
    // Another alarm (a later time) is a new one, taken as such.
    b.send(fall.replace('130500', '130900'));
    expect(await b.replies(4)).toBe('[3G*8809008845*0002*AL]'.repeat(4));
    expect(gw.status().watch).toMatchObject({ messages: 4, readings: 2, repeatedAlarms: 2 });
  });

  test('a watch port in use is refused naming watch.port, not a bare EADDRINUSE', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const starting = startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-central',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0 },
        cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' },
        watch: { host: '127.0.0.1', port, devices: [{ id: 'band-1', householdId: 'hh-1', watchId: '8809008845' }] },
      }),
      { clock: new VirtualClock(T0), logger: silentLogger() },
    );
    await expect(starting).rejects.toThrow(`watch.port ${port} is in use: set watch.port in the config to a free port`);
  });

  test('positions and heart rate become readings; unknown bands and garbage are counted, the connection stays', async () => {
    const gw = await gateway();
    const b = await band(gw.status().watch!.port);
    b.send('garbage[3G*8809008845*004E*UD2,220322,055105,A,22.761162,N,114.360192,E,0,0,47,14,100,64,0,0,00000008,0,0]');
    b.send('[3G*8809008845*0013*bphrt,120,79,73,,,,]');
    b.send('[3G*1111111111*000D*LK,50,100,100]');
    b.send('[3G*8809008845*000D*LK,50,100,100]');
    await b.replies(1);
    expect(gw.status().watch).toMatchObject({ messages: 4, readings: 3, unknownDevice: 1, malformed: 1 });
  });
});
