import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { decodeDlt645Reply } from '../../firmware-profiles/codecs/dlt645.js';
import { decodeBcd, encodeReadRequest, parseFrame, READ_ERROR, READ_REPLY } from '../../firmware-profiles/codecs/dlt645-frame.js';
import { loadProfiles } from '../../firmware-profiles/index.js';
import type { Dlt645Profile } from '../../firmware-profiles/schema.js';
import { Dlt645Line } from '../../gateway/drivers/dlt645/line.js';
import { simulateConfigSchema } from '../../simulators/fleet/config.js';
import { dlt645FaultSchema, SimulatedDlt645Meters } from '../../simulators/dlt645/meters.js';
import { startSimulation } from '../../simulators/fleet/simulation.js';
import { freePort } from '../support/free-port.js';
import { rawClient } from './raw-client.js';

const METER = loadProfiles().get('generic/dlt645-single-phase') as Dlt645Profile;
const [A, B] = ['000012345678', '000012345679'];
const ENERGY = '00010000';
/** A read reply of 4 DI bytes and 4 BCD bytes: preamble 4, header 10, data 8, CS and 16. */
const ENERGY_REPLY = 4 + 10 + 8 + 2;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function meterLine() {
  const meters = new SimulatedDlt645Meters();
  meters.add(A, METER, () => ({ energy_kwh: 2468.13, voltage_v: 221.6, current_a: 3.125 }));
  meters.add(B, METER, () => ({ energy_kwh: 17.5, voltage_v: 229.9, current_a: 0.04 }));
  const client = await rawClient(await meters.startTcp());
  cleanups.push(() => meters.stop(), () => client.close());
  return { meters, client };
}

function frameOf(bytes: Buffer) {
  const parsed = parseFrame(bytes);
  if (parsed.ok !== true) throw new Error(`not a frame: ${bytes.toString('hex')}`);
  return parsed.frame;
}

describe('simulated DL/T 645-2007 meters behind a serial device server', () => {
  test('a meter answers by address; line noise before a request and requests to other addresses are passed over', async () => {
    const { client } = await meterLine();
    client.send(Buffer.concat([Buffer.from([0x00, 0x68, 0x13]), encodeReadRequest('000000000001', ENERGY), encodeReadRequest(B, ENERGY)]));
    const reply = frameOf(await client.read(ENERGY_REPLY));
    expect(reply).toMatchObject({ address: B, control: READ_REPLY });
    expect(decodeBcd(reply.data.subarray(4), 2)).toBe(17.5);
    expect((await client.drain(100)).length).toBe(0);
  });

  test("faults: an error reply, a wrong checksum, garbage as long as the reply, silence, and 'none' again", async () => {
    const { meters, client } = await meterLine();
    meters.setFault(A, { error: 4 });
    client.send(encodeReadRequest(A, ENERGY));
    const error = frameOf(await client.read(4 + 10 + 1 + 2));
    expect(error).toMatchObject({ address: A, control: READ_ERROR });
    expect([...error.data]).toEqual([4]);

    meters.setFault(A, 'checksum');
    client.send(encodeReadRequest(A, ENERGY));
    expect(parseFrame(await client.read(ENERGY_REPLY))).toMatchObject({ ok: false, reason: expect.stringMatching(/checksum/) });

    meters.setFault(A, 'garbage');
    client.send(encodeReadRequest(A, ENERGY));
    expect(parseFrame(await client.read(ENERGY_REPLY)).ok).not.toBe(true);

    meters.setFault(A, 'silent');
    client.send(encodeReadRequest(A, ENERGY));
    expect((await client.drain(200)).length).toBe(0);

    meters.setFault(A, 'none');
    client.send(encodeReadRequest(A, ENERGY));
    expect(decodeBcd(frameOf(await client.read(ENERGY_REPLY)).data.subarray(4), 2)).toBe(2468.13);
  });

  test('a slow meter answers after the other meter on the line, asked later', async () => {
    const { meters, client } = await meterLine();
    meters.setFault(A, dlt645FaultSchema.parse({ slow: '300ms' }));
    client.send(encodeReadRequest(A, ENERGY));
    client.send(encodeReadRequest(B, ENERGY));
    expect(frameOf(await client.read(ENERGY_REPLY)).address).toBe(B);
    expect(frameOf(await client.read(ENERGY_REPLY)).address).toBe(A);
  });

  test('an identifier the profile does not know is error 02, no such data', async () => {
    const { client } = await meterLine();
    client.send(encodeReadRequest(A, '04000401'));
    const reply = frameOf(await client.read(4 + 10 + 1 + 2));
    expect(reply.control).toBe(READ_ERROR);
    expect([...reply.data]).toEqual([2]);
  });

  test("an energy register rolls over past 999999.99 kWh, as a meter's does; a voltage its register cannot hold is error 01", async () => {
    const meters = new SimulatedDlt645Meters();
    let values = { energy_kwh: 1_000_002.5, voltage_v: 10_000, current_a: -1 };
    meters.add(A, METER, () => values);
    const client = await rawClient(await meters.startTcp());
    cleanups.push(() => meters.stop(), () => client.close());

    client.send(encodeReadRequest(A, ENERGY));
    const energy = frameOf(await client.read(ENERGY_REPLY));
    expect(energy.control).toBe(READ_REPLY);
    expect(decodeBcd(energy.data.subarray(4), 2)).toBe(2.5);

    for (const di of ['02010100', '02020100']) {
      client.send(encodeReadRequest(A, di)); // 10000.0 V in XXX.X; -1 A in XXX.XXX
      const refused = frameOf(await client.read(4 + 10 + 1 + 2));
      expect({ di, control: refused.control, err: [...refused.data] }).toEqual({ di, control: READ_ERROR, err: [1] });
    }

    values = { energy_kwh: 999_999.99, voltage_v: 230.1, current_a: 1.5 };
    client.send(encodeReadRequest(A, '02010100'));
    expect(decodeBcd(frameOf(await client.read(4 + 10 + 6 + 2)).data.subarray(4), 1)).toBe(230.1);
  });

  test('gridwatch simulate: a meter configured past 999999.99 kWh is read (rolled over), and the simulator lives on', async () => {
    const port = await freePort();
    const config = simulateConfigSchema.parse({
      lines: [{ id: 'box', protocol: 'dlt645', tcp: { host: '127.0.0.1', port } }],
      devices: [{ id: 'mt-1', kind: 'electricity', profile: 'generic/dlt645-single-phase', on: 'box', address: '000000000001', initialKwh: 1_000_000 }],
    });
    const sim = await startSimulation(config, { clock: new VirtualClock(Date.parse('2026-11-23T10:00:00Z')), logger: silentLogger() });
    cleanups.push(() => sim.stop());
    const line = new Dlt645Line('box', { tcp: { host: '127.0.0.1', port } }, silentLogger());
    cleanups.push(() => line.close());
    const energy = decodeDlt645Reply(METER.points[0]!, '000000000001', await line.read('000000000001', ENERGY, 1_000));
    expect(energy).toMatchObject({ ok: true });
    expect(energy.ok && energy.value).toBeLessThan(1_000);
  });

  test('the fault schema takes what a config file would write', () => {
    expect(dlt645FaultSchema.parse({ slow: '1.5s' })).toEqual({ slow: 1_500 });
    expect(dlt645FaultSchema.parse({ error: 2 })).toEqual({ error: 2 });
    expect(dlt645FaultSchema.parse('checksum')).toBe('checksum');
    expect(dlt645FaultSchema.safeParse('crc').success).toBe(false);
    expect(dlt645FaultSchema.safeParse({ error: 256 }).success).toBe(false);
  });
});
