import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { WatchServer } from '../../../../gateway/drivers/watch-3g/server.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import type { ReadingSink } from '../../../../contract/reading-sink.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';
import { watchBandClient } from '../../../support/devices/watch-band-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A message of band 8809008845 with its content length right. */
const frame = (content: string) => `[3G*8809008845*${content.length.toString(16).toUpperCase().padStart(4, '0')}*${content}]`;
/** An AL as real bands send it (Traccar's sample), with the terminal status given. */
const alWithStatus = (status: string) => `AL,271219,094744,V,00.000000,N,0.0000000,E,0.00,0.0,0.0,0,100,81,0,0,${status},7,0`;
const ECHO = '[3G*8809008845*0002*AL]';

const band = (port: number) => watchBandClient(port, cleanups);

async function gateway(clock: VirtualClock): Promise<GatewayHandle> {
  const gw = await startGateway(
    gatewayConfigSchema.parse({
      gatewayId: 'gw-central',
      dataDir: tempDir(),
      mqtt: { host: '127.0.0.1', port: 0 },
      cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars', sendReadings: false },
      watch: { host: '127.0.0.1', port: 0, devices: [{ id: 'band-1', householdId: 'hh-1', watchId: '8809008845' }] },
    }),
    { clock, logger: silentLogger() },
  );
  cleanups.push(() => gw.close());
  return gw;
}

describe('an alarm a 4G band sends that cannot be read', () => {
  test('is still a P1 alert, on disk before the band gets its echo (too few fields, empty or non-hex status, ALH)', async () => {
    const clock = new VirtualClock(T0);
    const gw = await gateway(clock);
    const b = await band(gw.status().watch!.port);
    const unreadable = [
      ['AL,1,2,3', 'AL with 3 fields, expected at least 16'],
      [alWithStatus(''), 'AL with status ""'],
      // parseInt would read this as 0x1000, no SOS bit: a silently lost SOS.
      [alWithStatus('0001000G'), 'AL with status "0001000G"'],
      [alWithStatus('zz'), 'AL with status "zz"'],
      ['ALH', 'ALH with 0 fields, expected at least 16'],
    ] as const;
    for (const [n, [content]] of unreadable.entries()) {
      b.send(frame(content));
      expect(await b.replies(n + 1)).toBe(ECHO.repeat(n + 1));
      await clock.advance(1_000);
    }
    const alerts = gw.outbox.peek(10).map((e) => e.alert);
    expect(alerts.map((a) => [a.rule, a.grade, a.kind, a.deviceId, a.householdId])).toEqual(unreadable.map(() => ['unreadable-alarm', 'P1', 'raise', 'band-1', 'hh-1']));
    for (const [i, [content, reason]] of unreadable.entries()) {
      expect(alerts[i]!.summary).toBe(`手环报警无法解读 alarm from the band, unreadable: household hh-1, device band-1: ${reason} (${JSON.stringify(content)})`);
    }
    expect(gw.status().watch).toMatchObject({ messages: 5, readings: 0, malformed: 5, unreadableAlarms: 5 });
  });

  test('sent again with the same content (its echo late) is one alert, and every send is echoed', async () => {
    const clock = new VirtualClock(T0);
    const gw = await gateway(clock);
    const b = await band(gw.status().watch!.port);
    for (let n = 1; n <= 3; n++) {
      b.send(frame(alWithStatus('')));
      expect(await b.replies(n)).toBe(ECHO.repeat(n));
      await clock.advance(20_000);
    }
    expect(gw.outbox.peek(10).map((e) => e.alert.rule)).toEqual(['unreadable-alarm']);
    expect(gw.status().watch).toMatchObject({ messages: 3, unreadableAlarms: 1, repeatedAlarms: 2 });
  });

  test('that could not be stored is not echoed, so the band sends it again; the next send, stored, is', async () => {
    let failing = true;
    const taken: string[] = [];
    const sink: ReadingSink = {
      process: (reading) => {
        if (failing) throw new Error('SQLITE_FULL: database or disk is full');
        taken.push(...(reading.events ?? []));
      },
    };
    const server = new WatchServer({
      host: '127.0.0.1',
      port: 0,
      devices: new Map([['8809008845', { deviceId: 'band-1', householdId: 'hh-1', heartbeatMs: 600_000 }]]),
      sink,
      clock: new VirtualClock(T0),
      logger: silentLogger(),
    });
    await server.start();
    cleanups.push(() => server.stop());
    const b = await band(server.port);
    b.send(frame('AL,1,2,3'));
    expect(await b.replies(1, 300)).toBe('');
    failing = false;
    b.send(frame('AL,1,2,3'));
    expect(await b.replies(1)).toBe(ECHO);
    expect(taken).toEqual(['unreadable_alarm']);
  });
});
