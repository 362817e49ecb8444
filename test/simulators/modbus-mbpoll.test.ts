import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { loadProfiles } from '../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../firmware-profiles/schema.js';
import { SimulatedModbusRtu } from '../../simulators/modbus/rtu-server.js';
import { SimulatedModbusTcp } from '../../simulators/modbus/tcp-server.js';
import { requireCommand } from '../support/commands.js';
import { virtualSerialLine } from '../support/devices/virtual-serial.js';

const SDM120 = loadProfiles().get('eastron/sdm120') as ModbusProfile;
const VALUES = { voltage_v: 229.9, current_a: 3.2, power_w: 735.7, power_factor: 0.97, frequency_hz: 50, energy_kwh: 8765.4 };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * One read by mbpoll (libmodbus), a master we did not write: a float32 input register of unit 1,
 * PDU addressing (-0), big-endian words (-B). Resolves with the value, or with mbpoll's error.
 */
async function mbpoll(link: string[], reference: number): Promise<{ value: number } | { error: string }> {
  const args = [...link, '-a', '1', '-0', '-r', String(reference), '-c', '1', '-t', '3:float', '-B', '-1', '-o', '0.5'];
  try {
    const { stdout } = await promisify(execFile)('mbpoll', args);
    const match = /\[\d+\]:\s+(-?[\d.]+)/.exec(stdout);
    if (!match) throw new Error(`mbpoll printed no value:\n${stdout}`);
    return { value: Number(match[1]) };
  } catch (err) {
    const e = err as { code?: unknown; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { error: e.stderr ?? '' };
  }
}

describe.runIf(requireCommand('mbpoll') && requireCommand('socat'))('mbpoll reads our Modbus responder', () => {
  test('over Modbus TCP: the SDM120 values; exception 02 outside its map; exception 0B for a crc fault', async () => {
    const sim = new SimulatedModbusTcp();
    sim.addSlave(1, SDM120, () => VALUES);
    const tcp = ['-m', 'tcp', '-p', String(await sim.start()), '127.0.0.1'];
    cleanups.push(() => sim.stop());

    expect(await mbpoll(tcp, 0x0000)).toEqual({ value: 229.9 });
    expect(await mbpoll(tcp, 0x0156)).toEqual({ value: 8765.4 });
    expect(await mbpoll(tcp, 1000)).toEqual({ error: expect.stringMatching(/Illegal data address/) });
    sim.setFault(1, 'crc');
    expect(await mbpoll(tcp, 0x0000)).toEqual({ error: expect.stringMatching(/Target device failed to respond/) });
    sim.setFault(1, 'none');
    expect(await mbpoll(tcp, 0x0046)).toEqual({ value: 50 });
  });

  test('over RTU on a serial line: the SDM120 values; a crc fault is an invalid CRC, garbage no answer', async () => {
    const line = await virtualSerialLine();
    cleanups.push(() => line.close());
    const sim = new SimulatedModbusRtu();
    sim.addSlave(1, SDM120, () => VALUES);
    await sim.start(line.deviceEnd, 9600);
    cleanups.push(() => sim.stop());
    const rtu = ['-m', 'rtu', '-b', '9600', '-P', 'none', line.gatewayEnd];

    expect(await mbpoll(rtu, 0x0000)).toEqual({ value: 229.9 });
    expect(await mbpoll(rtu, 0x0156)).toEqual({ value: 8765.4 });
    sim.setFault(1, 'crc');
    expect(await mbpoll(rtu, 0x0156)).toEqual({ error: expect.stringMatching(/Invalid CRC/) });
    sim.setFault(1, 'garbage');
    expect(await mbpoll(rtu, 0x0156)).toEqual({ error: expect.stringMatching(/timed out|Invalid/) });
    sim.setFault(1, 'none');
    expect(await mbpoll(rtu, 0x0006)).toEqual({ value: 3.2 });
  });
});
