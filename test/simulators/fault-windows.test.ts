import { afterEach, expect, test } from 'vitest';
import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { simulateConfigSchema } from '../../simulators/fleet/config.js';
import { startSimulation } from '../../simulators/fleet/simulation.js';
import { freePort } from '../support/free-port.js';
import { rawClient } from './raw-client.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const T0 = Date.parse('2026-11-23T10:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** Read input registers 0-1 (SDM120 voltage) of unit 1, MBAP framing. */
const request = Buffer.from([0, 1, 0, 0, 0, 6, 1, 4, 0, 0, 0, 2]);

/** An SDM120 on Modbus TCP with the given fault windows (minutes after T0), and what it answers at a minute. */
async function meterWith(windows: Array<{ fault: unknown; from: number; until: number }>, startAt = T0) {
  const clock = new VirtualClock(startAt);
  const port = await freePort();
  const config = simulateConfigSchema.parse({
    modbusTcp: { host: '127.0.0.1', port },
    devices: [{ id: 'em-1', kind: 'electricity', faults: windows.map((w) => ({ fault: w.fault, from: iso(T0 + w.from * MIN), until: iso(T0 + w.until * MIN) })) }],
  });
  const sim = await startSimulation(config, { clock, logger: silentLogger() });
  cleanups.push(() => sim.stop());
  const client = await rawClient(port);
  cleanups.push(() => client.close());
  /** 'answers', 'silent', or 'exception NN'. */
  return async (minute: number): Promise<string> => {
    await clock.advanceTo(T0 + minute * MIN);
    client.send(request);
    const reply = await client.drain(150);
    if (reply.length === 0) return 'silent';
    return reply[7]! & 0x80 ? `exception ${reply[8]}` : 'answers';
  };
}

test('a fault window is on for all of its span, even when another window ends inside it', async () => {
  const at = await meterWith([
    { fault: { exception: 4 }, from: 1, until: 3 },
    { fault: 'silent', from: 2, until: 5 },
  ]);
  expect([await at(0.5), await at(1.5), await at(2.5), await at(4), await at(6)]).toEqual(['answers', 'exception 4', 'silent', 'silent', 'answers']);
});

test('where windows overlap, the one opened last holds; when it ends, the one still open is back', async () => {
  const at = await meterWith([
    { fault: { exception: 4 }, from: 1, until: 6 }, // a day of flaky replies...
    { fault: 'silent', from: 2, until: 3 }, // ...with an outage inside it
  ]);
  expect([await at(1.5), await at(2.5), await at(4), await at(7)]).toEqual(['exception 4', 'silent', 'exception 4', 'answers']);
});

test('a window already open when the simulation starts is on from the start', async () => {
  const at = await meterWith([{ fault: 'silent', from: 0, until: 2 }], T0 + MIN);
  expect([await at(1), await at(3)]).toEqual(['silent', 'answers']);
});
