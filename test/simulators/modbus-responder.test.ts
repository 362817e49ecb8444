import { afterEach, describe, expect, test } from 'vitest';
import { loadProfiles } from '../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import type { ModbusPoint } from '../../firmware-profiles/modbus-schema.js';
import { encodeRegisters } from '../../simulators/modbus/encode.js';
import { crcOk, withCrc } from '../../simulators/modbus/crc.js';
import { modbusFaultSchema } from '../../simulators/modbus/slaves.js';
import { SimulatedModbusRtu } from '../../simulators/modbus/rtu-server.js';
import { SimulatedModbusTcp } from '../../simulators/modbus/tcp-server.js';
import { rawClient } from './raw-client.js';

const profiles = loadProfiles();
const SDM120 = profiles.get('eastron/sdm120') as ModbusProfile;
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;
const METER_VALUES = { voltage_v: 229.9, current_a: 3.2, power_w: 735.7, power_factor: 0.97, frequency_hz: 50, energy_kwh: 8765.4 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A read request PDU: function, address, count. */
const read = (fc: number, address: number, count: number) => [fc, address >> 8, address & 0xff, count >> 8, count & 0xff];
const rtu = (unit: number, pdu: readonly number[]) => withCrc(Buffer.from([unit, ...pdu]));
const mbap = (tid: number, unit: number, pdu: readonly number[]) => Buffer.from([tid >> 8, tid & 0xff, 0, 0, 0, pdu.length + 1, unit, ...pdu]);

/** An RTU line with an SDM120 (unit 1) and a noise sensor (unit 7), behind a simulated serial device server. */
async function rtuLine() {
  const sim = new SimulatedModbusRtu();
  sim.addSlave(1, SDM120, () => METER_VALUES);
  sim.addSlave(7, NOISE, () => ({ noise_dba: 66.6 }));
  const client = await rawClient(await sim.startTcp());
  cleanups.push(() => sim.stop(), () => client.close());
  return { sim, client };
}

async function tcpDevice() {
  const sim = new SimulatedModbusTcp();
  sim.addSlave(1, SDM120, () => METER_VALUES);
  sim.addSlave(7, NOISE, () => ({ noise_dba: 66.6 }));
  const client = await rawClient(await sim.start());
  cleanups.push(() => sim.stop(), () => client.close());
  return { sim, client };
}

describe('the Modbus responder, RTU framing', () => {
  test('CRC-16/Modbus goes low byte first (the specification example 01 03 00 00 00 0A C5 CD)', () => {
    expect(rtu(1, read(3, 0, 10)).toString('hex')).toBe('01030000000ac5cd');
  });

  test("an SDM120 answers a read of its voltage with unit, function, byte count, the float's words and a good CRC", async () => {
    const { client } = await rtuLine();
    client.send(rtu(1, read(4, 0x0000, 2)));
    const reply = await client.read(9);
    expect([...reply.subarray(0, 3)]).toEqual([1, 4, 4]);
    expect(reply.readFloatBE(3)).toBeCloseTo(229.9, 3);
    expect(crcOk(reply)).toBe(true);
  });

  test('requests are found in the byte stream: split in pieces, two in one write, bad CRCs and other units passed over', async () => {
    const { client } = await rtuLine();
    const a = rtu(1, read(4, 0x0156, 2));
    client.send(a.subarray(0, 3));
    await new Promise((r) => setTimeout(r, 10));
    client.send(a.subarray(3));
    const energy = await client.read(9);
    expect(energy.readFloatBE(3)).toBeCloseTo(8765.4, 1);

    const damaged = rtu(7, read(3, 0, 1));
    damaged[damaged.length - 1]! ^= 0xff;
    client.send(Buffer.concat([damaged, rtu(9, read(3, 0, 1)), Buffer.from([0x00, 0x42]), rtu(7, read(3, 0, 1)), rtu(1, read(4, 0x0046, 2))]));
    const noise = await client.read(7);
    expect([...noise.subarray(0, 3)]).toEqual([7, 3, 2]);
    expect(noise.readUInt16BE(3)).toBe(666);
    const frequency = await client.read(9);
    expect(frequency.readFloatBE(3)).toBeCloseTo(50, 3);
    expect((await client.drain(100)).length).toBe(0);
  });

  test.each([
    ['a write (function 16) is an illegal function', rtu(1, [16, 0, 0, 0, 1, 2, 0, 1]), 0x90, 0x01],
    ['a function it has never heard of is an illegal function', rtu(1, [0x41, 1, 2, 3]), 0xc1, 0x01],
    ['126 registers are too many', rtu(1, read(4, 0, 126)), 0x84, 0x03],
    ['2001 coils are too many', rtu(1, read(1, 0, 2001)), 0x81, 0x03],
    ['an address outside its register map', rtu(1, read(4, 1000, 2)), 0x84, 0x02],
    ['a read that ends outside its register map', rtu(1, read(4, 0x0156, 4)), 0x84, 0x02],
    ['holding registers of a meter that has only input registers', rtu(1, read(3, 0, 2)), 0x83, 0x02],
    ['coils of a device that has none', rtu(1, read(1, 0, 8)), 0x81, 0x02],
  ])('an exception reply: %s', async (_, request, fc, code) => {
    const { client } = await rtuLine();
    client.send(request);
    const reply = await client.read(5);
    expect([...reply.subarray(0, 3)]).toEqual([1, fc, code]);
    expect(crcOk(reply)).toBe(true);
  });

  test('a read across registers the meter has no value for, between two it has, reads them as 0', async () => {
    const { client } = await rtuLine();
    client.send(rtu(1, read(4, 0, 14)));
    const reply = await client.read(3 + 28 + 2);
    expect(reply.readFloatBE(3)).toBeCloseTo(229.9, 3);
    expect(reply.readUInt32BE(3 + 4)).toBe(0);
    expect(reply.readFloatBE(3 + 12)).toBeCloseTo(3.2, 5);
  });
});

describe('the Modbus responder, TCP framing', () => {
  test('pipelined requests are answered with their own transaction ids', async () => {
    const { client } = await tcpDevice();
    client.send(Buffer.concat([mbap(0x1234, 1, read(4, 0, 2)), mbap(0x1235, 7, read(3, 0, 1))]));
    const first = await client.read(7 + 2 + 4);
    expect([...first.subarray(0, 9)]).toEqual([0x12, 0x34, 0, 0, 0, 7, 1, 4, 4]);
    expect(first.readFloatBE(9)).toBeCloseTo(229.9, 3);
    const second = await client.read(7 + 2 + 2);
    expect([...second]).toEqual([0x12, 0x35, 0, 0, 0, 5, 7, 3, 2, 0x02, 0x9a]);
  });

  test('an exception reply over TCP, and a header that is not Modbus closes the connection', async () => {
    const { client } = await tcpDevice();
    client.send(mbap(1, 1, read(4, 1000, 2)));
    expect([...(await client.read(9))]).toEqual([0, 1, 0, 0, 0, 3, 1, 0x84, 0x02]);
    client.send([0, 2, 0, 1, 0, 6, 1, ...read(4, 0, 2)]);
    await client.closed;
  });
});

describe('faults injected per unit', () => {
  test("RTU: 'crc' spoils only the CRC, 'garbage' sends as many bytes as the reply, an exception code is sent as asked", async () => {
    const { sim, client } = await rtuLine();
    client.send(rtu(1, read(4, 0, 2)));
    const good = await client.read(9);

    sim.setFault(1, 'crc');
    client.send(rtu(1, read(4, 0, 2)));
    const spoiled = await client.read(9);
    expect(spoiled.subarray(0, 7)).toEqual(good.subarray(0, 7));
    expect(crcOk(spoiled)).toBe(false);

    sim.setFault(1, 'garbage');
    client.send(rtu(1, read(4, 0, 2)));
    const garbage = await client.read(9);
    expect(garbage).not.toEqual(good);
    expect(crcOk(garbage)).toBe(false);
    expect((await client.drain(100)).length).toBe(0);

    sim.setFault(1, { exception: 6 });
    client.send(rtu(1, read(4, 0, 2)));
    expect([...(await client.read(5)).subarray(0, 3)]).toEqual([1, 0x84, 6]);

    sim.setFault(1, 'none');
    client.send(rtu(1, read(4, 0, 2)));
    expect(await client.read(9)).toEqual(good);
  });

  test('a silent unit never answers, a slow one answers after the others asked later', async () => {
    const { sim, client } = await rtuLine();
    sim.setFault(1, 'silent');
    client.send(rtu(1, read(4, 0, 2)));
    client.send(rtu(7, read(3, 0, 1)));
    expect((await client.read(7))[0]).toBe(7);
    expect((await client.drain(200)).length).toBe(0);

    sim.setFault(1, { slow: 300 });
    client.send(rtu(1, read(4, 0, 2)));
    client.send(rtu(7, read(3, 0, 1)));
    expect((await client.read(7))[0]).toBe(7);
    const late = await client.read(9);
    expect(late[0]).toBe(1);
    expect(late.readFloatBE(3)).toBeCloseTo(229.9, 3);
  });

  test("TCP: 'crc' is exception 0B, as a TCP-to-RTU gateway answers for a reply that failed its CRC; 'garbage' is as long as the reply", async () => {
    const { sim, client } = await tcpDevice();
    sim.setFault(1, 'crc');
    client.send(mbap(5, 1, read(4, 0, 2)));
    expect([...(await client.read(9))]).toEqual([0, 5, 0, 0, 0, 3, 1, 0x84, 0x0b]);
    sim.setFault(1, 'garbage');
    client.send(mbap(6, 1, read(4, 0, 2)));
    const garbage = await client.read(13);
    expect(garbage.subarray(0, 2)).not.toEqual(Buffer.from([0, 6]));
    expect((await client.drain(100)).length).toBe(0);
  });

  test('the fault schema takes what a config file would write', () => {
    expect(modbusFaultSchema.parse({ slow: '2s' })).toEqual({ slow: 2_000 });
    expect(modbusFaultSchema.parse({ slow: 150 })).toEqual({ slow: 150 });
    expect(modbusFaultSchema.parse('crc')).toBe('crc');
    expect(modbusFaultSchema.parse({ exception: 2 })).toEqual({ exception: 2 });
    expect(modbusFaultSchema.safeParse({ exception: 0 }).success).toBe(false);
    expect(modbusFaultSchema.safeParse('exception').success).toBe(false);
    expect(modbusFaultSchema.safeParse({ slow: 'soon' }).success).toBe(false);
  });
});

describe('values a register cannot hold', () => {
  const point = (p: Pick<ModbusPoint, 'metric' | 'dataType'> & Partial<ModbusPoint>): ModbusPoint => ({ inputType: 'input', address: 0, scale: 1, offset: 0, byteOrder: 'big', wordOrder: 'big', ...p });

  test('a counter rolls over as its register does; any other value out of its type is refused with the reason', () => {
    expect(encodeRegisters(point({ metric: 'energy_kwh', dataType: 'uint32', scale: 0.01 }), 2 ** 32 / 100 + 1.5)).toEqual({ ok: true, words: [0, 150] });
    expect(encodeRegisters(point({ metric: 'volume_l', dataType: 'uint16' }), 65_537)).toEqual({ ok: true, words: [1] });
    expect(encodeRegisters(point({ metric: 'volume_l', dataType: 'int16' }), 32_768)).toEqual({ ok: true, words: [0x8000] });
    expect(encodeRegisters(point({ metric: 'noise_dba', dataType: 'uint16', scale: 0.1 }), 7_000)).toEqual({ ok: false, reason: expect.stringMatching(/noise_dba = 7000 does not fit uint16/) });
    expect(encodeRegisters(point({ metric: 'power_w', dataType: 'int16' }), -40_000)).toMatchObject({ ok: false });
    expect(encodeRegisters(point({ metric: 'power_w', dataType: 'int32' }), Number.NaN)).toMatchObject({ ok: false });
  });

  test('a read covering such a register is exception 04, server device failure; other reads and other units are answered', async () => {
    const sim = new SimulatedModbusRtu();
    let noise = 7_000; // 70000 tenths: more than a uint16 holds
    sim.addSlave(7, NOISE, () => ({ noise_dba: noise }));
    sim.addSlave(1, SDM120, () => METER_VALUES);
    const client = await rawClient(await sim.startTcp());
    cleanups.push(() => sim.stop(), () => client.close());

    client.send(rtu(7, read(3, 0, 1)));
    const refused = await client.read(5);
    expect([...refused.subarray(0, 3)]).toEqual([7, 0x83, 4]);
    expect(crcOk(refused)).toBe(true);
    client.send(rtu(1, read(4, 0, 2)));
    expect((await client.read(9)).readFloatBE(3)).toBeCloseTo(229.9, 3);

    noise = 66.6;
    client.send(rtu(7, read(3, 0, 1)));
    expect((await client.read(7)).readUInt16BE(3)).toBe(666);
  });
});
