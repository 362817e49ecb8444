import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { ModbusProfile } from '../../../../firmware-profiles/schema.js';
import { ModbusBus } from '../../../../gateway/drivers/modbus/bus.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import { SimulatedModbusRtu } from '../../../../simulators/modbus/rtu-server.js';
import { requireCommand } from '../../../support/commands.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';
import { virtualSerialLine } from '../../../support/devices/virtual-serial.js';

const profiles = loadProfiles();
const SDM120 = profiles.get('eastron/sdm120') as ModbusProfile;
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.runIf(requireCommand('socat'))('Modbus RTU over a serial line', () => {
  test('an SDM120 and a noise sensor on one RS-485 line, with CRCs, one request at a time', async () => {
    const line = await virtualSerialLine();
    cleanups.push(() => line.close());
    const slaves = new SimulatedModbusRtu();
    slaves.addSlave(1, SDM120, () => ({ voltage_v: 228.3, current_a: 0.8, power_w: 180.5, power_factor: 0.95, frequency_hz: 50.01, energy_kwh: 567.8 }));
    slaves.addSlave(7, NOISE, () => ({ noise_dba: 66.6 }));
    await slaves.start(line.deviceEnd, 9600);
    cleanups.push(() => slaves.stop());

    const bus = new ModbusBus('rs485-1', { kind: 'rtu', path: line.gatewayEnd, baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }, silentLogger());
    cleanups.push(() => bus.close());
    const { engine, readings } = recordingEngine();
    const meter = new ModbusPoller({ context: { deviceId: 'em-1', householdId: 'hh-1', heartbeatMs: 60_000 }, profile: SDM120, unitId: 1 }, bus, engine, systemClock, silentLogger());
    const noise = new ModbusPoller({ context: { deviceId: 'noise-7', householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: 7 }, bus, engine, systemClock, silentLogger());

    await Promise.all([meter.pollOnce(), noise.pollOnce()]);
    expect(readings.map((r) => r.deviceId).sort()).toEqual(['em-1', 'noise-7']);
    const em = readings.find((r) => r.deviceId === 'em-1')!;
    expect(em.metrics.voltage_v).toBeCloseTo(228.3, 3);
    expect(em.metrics.energy_kwh).toBeCloseTo(567.8, 2);
    expect(readings.find((r) => r.deviceId === 'noise-7')!.metrics.noise_dba).toBeCloseTo(66.6, 5);

    // A silent slave on the line times out and does not block the next request.
    slaves.setFault(1, 'silent');
    readings.length = 0;
    await Promise.all([meter.pollOnce(), noise.pollOnce()]);
    expect(readings.map((r) => r.deviceId)).toEqual(['noise-7']);
    expect(meter.health().counters.timeout).toBe(1);
  });
});
