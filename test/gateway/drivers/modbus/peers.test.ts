import { spawn, execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { ModbusBus } from '../../../../gateway/drivers/modbus/bus.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import { SimulatedModbusTcp } from '../../../../simulators/modbus/tcp-server.js';
import { requireCommand } from '../../../support/commands.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';
import { freePort } from '../../../support/free-port.js';

const profiles = loadProfiles();
const SDM120 = profiles.get('eastron/sdm120') as ModbusProfile;
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Debian's python3-pymodbus belongs to Debian's python (a pyenv python3 on PATH does not see it). */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function hasPymodbus(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import pymodbus'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('python3-pymodbus is not installed: .ci/run installs it, and on CI this suite may not be skipped');
    return false;
  }
}

describe.runIf(requireCommand('mbpoll'))('a Modbus client we did not write (mbpoll)', () => {
  test('reads our simulated SDM120: voltage and total energy as float32', async () => {
    const sim = new SimulatedModbusTcp();
    sim.addSlave(1, SDM120, () => ({ voltage_v: 229.9, current_a: 3.2, power_w: 735.7, power_factor: 0.97, frequency_hz: 50, energy_kwh: 8765.4 }));
    await sim.start(await freePort());
    cleanups.push(() => sim.stop());
    const mbpoll = async (reference: number) => {
      // -0: PDU addressing (reference 0 is the manual's 30001); -B: big-endian word order.
      const { stdout } = await promisify(execFile)('mbpoll', ['-m', 'tcp', '-a', '1', '-0', '-r', String(reference), '-c', '1', '-t', '3:float', '-B', '-1', '-p', String(sim.port), '127.0.0.1']);
      const match = /\[\d+\]:\s+(-?[\d.]+)/.exec(stdout);
      if (!match) throw new Error(`mbpoll printed no value:\n${stdout}`);
      return Number(match[1]);
    };
    expect(await mbpoll(0x0000)).toBeCloseTo(229.9, 3);
    expect(await mbpoll(0x0156)).toBeCloseTo(8765.4, 1);
  });
});

describe.runIf(hasPymodbus())('a Modbus server we did not write (pymodbus)', () => {
  test('the gateway polls an SDM120 and a noise sensor served by pymodbus', async () => {
    const port = await freePort();
    const server = spawn(PYTHON, [fileURLToPath(new URL('../../../fixtures/pymodbus_site.py', import.meta.url)), String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => {
      server.kill('SIGKILL');
    });
    let output = '';
    server.stdout.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr.on('data', (c: Buffer) => (output += c.toString()));

    const { engine, readings } = recordingEngine();
    const bus = new ModbusBus('pymodbus', { kind: 'tcp', host: '127.0.0.1', port }, silentLogger());
    cleanups.push(() => bus.close());
    const meter = new ModbusPoller({ context: { deviceId: 'em-1', householdId: 'hh-1', heartbeatMs: 60_000 }, profile: SDM120, unitId: 1 }, bus, engine, systemClock, silentLogger());
    const noise = new ModbusPoller({ context: { deviceId: 'noise-1', householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: 2 }, bus, engine, systemClock, silentLogger());

    // The server takes a moment to start: poll until it answers (the bus reconnects by itself).
    const deadline = Date.now() + 60_000;
    while (readings.length === 0 && Date.now() < deadline) {
      await meter.pollOnce();
      if (readings.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(readings, `pymodbus said:\n${output}`).toHaveLength(1);
    await noise.pollOnce();
    const [em, snd] = readings;
    expect(em!.metrics.voltage_v).toBeCloseTo(231.4, 3);
    expect(em!.metrics.current_a).toBeCloseTo(2.5, 5);
    expect(em!.metrics.power_factor).toBeCloseTo(0.98, 5);
    expect(em!.metrics.frequency_hz).toBeCloseTo(50.02, 4);
    expect(em!.metrics.energy_kwh).toBeCloseTo(4321.5, 2);
    expect(snd!.metrics.noise_dba).toBeCloseTo(58.7, 5);

    // Unit 3 has no register 30343: pymodbus answers exception 02 to that block, and the other
    // values are kept (issue 12, item 6).
    const variant = new ModbusPoller({ context: { deviceId: 'em-3', householdId: 'hh-3', heartbeatMs: 60_000 }, profile: SDM120, unitId: 3 }, bus, engine, systemClock, silentLogger());
    await variant.pollOnce();
    const partial = readings[2]!;
    expect(partial.deviceId).toBe('em-3');
    expect(partial.metrics.voltage_v).toBeCloseTo(231.4, 3);
    expect(partial.metrics.frequency_hz).toBeCloseTo(50.02, 4);
    expect(partial.metrics.energy_kwh).toBeUndefined();
    expect(partial.unreadable?.energy_kwh).toMatch(/^energy_kwh: input 342\+2: .*(exception|illegal)/i);
    expect(variant.health()).toMatchObject({ online: true, counters: { exception: 1, partial: 1 } });
  });
});
