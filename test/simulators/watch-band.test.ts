import { afterEach, describe, expect, test } from 'vitest';
import { silentLogger } from '../../lib/log.js';
import { wristbandModel, type WristbandModelInput } from '../../simulators/models/wristband.js';
import { WatchBand, type WatchBandOptions } from '../../simulators/watch-3g/band.js';
import { T0 } from '../support/rules/rule-harness.js';
import { BAND, WATCH_ID, until, watchRig, type WatchRig } from '../support/devices/watch-band-rig.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0_ISO = '2026-11-23T00:00:00+08:00';
const HOME = { lat: 31.2304, lon: 121.4737 };
const iso = (ms: number): string => new Date(ms).toISOString();

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(port?: number): Promise<WatchRig> {
  const r = await watchRig(port);
  cleanups.push(() => r.close());
  return r;
}

/** A band on the rig's clock, driven by a wristband model installed at T0. */
async function band(r: WatchRig, model: Partial<WristbandModelInput> = {}, options: Partial<WatchBandOptions> = {}): Promise<WatchBand> {
  const b = new WatchBand({
    watchId: WATCH_ID,
    host: '127.0.0.1',
    port: r.server.port,
    model: wristbandModel({ seed: 1, installedAt: T0_ISO, home: HOME, ...model }),
    clock: r.harness.clock,
    logger: silentLogger(),
    ...options,
  });
  cleanups.push(() => b.stop());
  await b.start();
  return b;
}

const alertsOf = (r: WatchRig) => r.harness.outbox.peek(100).map((e) => [e.alert.rule, e.alert.kind, e.alert.grade, e.alert.deviceId, e.alert.at]);

describe('a 4G wristband on the 3G watch protocol, against the gateway\'s WatchServer on a virtual clock', () => {
  test('it says LK on connecting (echoed); its position and heart rate arrive as readings, as its model shows them', async () => {
    const r = await rig();
    const b = await band(r);
    expect(b.connected).toBe(true);
    expect(b.counters).toMatchObject({ connects: 1, replies: 1, resent: 0 });
    expect(r.readings).toEqual([{ deviceId: BAND.deviceId, at: T0, metrics: { battery_pct: 80 } }]);

    await r.harness.clock.advance(5 * MINUTE);
    // The LK of the same moment goes after the reports, and its echo comes after them.
    await until('the reports of 00:05', () => r.readings.length >= 4);
    const expected = wristbandModel({ seed: 1, installedAt: T0_ISO, home: HOME }).valuesAt(T0 + 5 * MINUTE);
    const at5 = r.readings.filter((x) => x.at === T0 + 5 * MINUTE);
    expect(at5.map((x) => x.metrics)).toEqual([
      { latitude_deg: expected.latitude_deg, longitude_deg: expected.longitude_deg, battery_pct: expected.battery_pct },
      { heart_rate_bpm: expected.heart_rate_bpm },
      { battery_pct: expected.battery_pct },
    ]);
    expect(r.server.counters).toMatchObject({ malformed: 0, unknownDevice: 0 });
    expect(alertsOf(r)).toEqual([]);
  });

  test('an SOS press is an AL with status bit 16: a P1 alert at the press, and the band has its echo', async () => {
    const r = await rig();
    const b = await band(r, { sosAt: iso(T0 + 2 * MINUTE + 17 * SECOND) });
    await r.harness.clock.advance(3 * MINUTE);
    expect(alertsOf(r)).toEqual([['sos', 'raise', 'P1', BAND.deviceId, iso(T0 + 2 * MINUTE + 17 * SECOND)]]);
    expect(b.awaitingReply).toBe(0);
    expect(b.counters).toMatchObject({ replies: 2, resent: 0 });
  });

  test('a fall is an AL with bit 21: a P1 "fall" alert', async () => {
    const r = await rig();
    await band(r, { fallAt: iso(T0 + 90 * SECOND) });
    await r.harness.clock.advance(2 * MINUTE);
    expect(alertsOf(r)).toEqual([['fall', 'raise', 'P1', BAND.deviceId, iso(T0 + 90 * SECOND)]]);
  });

  test('an AL the gateway could not store gets no echo; the band sends it again after its timeout, and it is raised once', async () => {
    const r = await rig();
    const enqueue = r.harness.outbox.enqueue.bind(r.harness.outbox);
    let failures = 1;
    r.harness.outbox.enqueue = (alerts, at) => {
      if (failures-- > 0) throw new Error('disk full');
      enqueue(alerts, at);
    };
    const b = await band(r, { sosAt: iso(T0 + 2 * MINUTE) }, { replyTimeoutMs: 20 * SECOND });
    await r.harness.clock.advance(2 * MINUTE + SECOND);
    expect(alertsOf(r)).toEqual([]);
    expect(b.awaitingReply).toBe(1);
    expect(b.counters.resent).toBe(0);

    await r.harness.clock.advance(19 * SECOND);
    expect(alertsOf(r)).toEqual([['sos', 'raise', 'P1', BAND.deviceId, iso(T0 + 2 * MINUTE + 20 * SECOND)]]);
    expect(b.awaitingReply).toBe(0);
    expect(b.counters.resent).toBe(1);
  });

  test('an LK never echoed is sent again; after three sends the band hangs up and dials again', async () => {
    const r = await rig();
    // A band the gateway does not know: nothing it sends is answered.
    const b = await band(r, {}, { watchId: '1111111111', replyTimeoutMs: 20 * SECOND, maxSends: 3, replyWaitRealMs: 200, reconnectMinMs: 5 * SECOND });
    expect(b.counters).toMatchObject({ connects: 1, replies: 0 });
    await r.harness.clock.advance(40 * SECOND);
    expect(b.counters).toMatchObject({ sent: 3, resent: 2, connects: 1 });
    await r.harness.clock.advance(20 * SECOND);
    expect(b.connected).toBe(false);
    // Dialled again within 5 s +/- 25 %, LK first.
    await r.harness.clock.advance(6.25 * SECOND);
    expect(b.counters).toMatchObject({ connects: 2, sent: 4 });
    await until('the server to see both connections', () => r.server.counters.connections === 2 && r.server.counters.unknownDevice === 4);
  });

  test('dropped by the gateway, the band dials again with backoff; an SOS pressed meanwhile arrives once it is back', async () => {
    const r = await rig();
    const b = await band(r, { sosAt: iso(T0 + 2 * SECOND) }, { reconnectMinMs: 5 * SECOND, heartbeatMs: 10 * MINUTE });
    await r.stopServer();
    await until('the band to notice', () => !b.connected);

    // The press while the link is down is kept; the first dial (5 s +/- 25 %) is refused.
    await r.harness.clock.advance(7 * SECOND);
    expect(b.connected).toBe(false);
    expect(b.awaitingReply).toBe(1);
    expect(b.counters.connects).toBe(1);

    await r.restart();
    // The second dial waits twice as long: 10 s +/- 25 % after the refused one.
    await r.harness.clock.advance(12.5 * SECOND);
    expect(b.connected).toBe(true);
    expect(b.counters.connects).toBe(2);
    expect(b.awaitingReply).toBe(0);
    const sos = alertsOf(r);
    expect(sos.map((a) => a.slice(0, 4))).toEqual([['sos', 'raise', 'P1', BAND.deviceId]]);
    expect(Date.parse(sos[0]![4] as string)).toBeGreaterThanOrEqual(T0 + (3.75 + 7.5) * SECOND);
  });

  test('faults at run time: silent sends nothing, garbage is counted as malformed; cleared, the readings come back', async () => {
    const r = await rig();
    const b = await band(r, {}, { heartbeatMs: 60 * MINUTE });
    const fed = () => r.readings.length;
    expect(fed()).toBe(1);

    b.silent = true;
    await r.harness.clock.advance(10 * MINUTE);
    expect(b.counters.lost).toBe(2);

    b.silent = false;
    b.garbage = true;
    await r.harness.clock.advance(5 * MINUTE);
    await until('the garbage to reach the server', () => r.server.counters.malformed >= 1);
    expect(fed()).toBe(1);
    expect(b.connected).toBe(true);

    b.garbage = false;
    await r.harness.clock.advance(5 * MINUTE);
    await until('the readings of 00:20', () => fed() === 3);
    expect(r.readings.slice(1).map((x) => x.at)).toEqual([T0 + 20 * MINUTE, T0 + 20 * MINUTE]);
    expect(r.server.counters.messages).toBe(3);
  });
});
