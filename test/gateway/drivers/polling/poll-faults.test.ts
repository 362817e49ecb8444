import { afterEach, describe, expect, test } from 'vitest';
import { systemClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import type { Dlt645Profile, ModbusProfile } from '../../../../firmware-profiles/schema.js';
import type { PollCounters } from '../../../../gateway/drivers/polling/device-poller.js';
import { Dlt645Line } from '../../../../gateway/drivers/dlt645/line.js';
import { Dlt645Poller } from '../../../../gateway/drivers/dlt645/poller.js';
import { ModbusBus, type BusConnection } from '../../../../gateway/drivers/modbus/bus.js';
import { ModbusPoller } from '../../../../gateway/drivers/modbus/poller.js';
import type { SerialLine } from '../../../../lib/serial-line.js';
import { SimulatedDlt645Meters, type Dlt645Fault } from '../../../../simulators/dlt645/meters.js';
import { SimulatedModbusRtu } from '../../../../simulators/modbus/rtu-server.js';
import type { ModbusFault } from '../../../../simulators/modbus/slaves.js';
import { SimulatedModbusTcp } from '../../../../simulators/modbus/tcp-server.js';
import { requireCommand } from '../../../support/commands.js';
import { recordingEngine } from '../../../support/devices/recording-engine.js';
import { virtualSerialLine } from '../../../support/devices/virtual-serial.js';

const profiles = loadProfiles();
/** One read of one register, a 300 ms reply timeout: a fault costs little time. */
const NOISE = profiles.get('generic/rs485-noise') as ModbusProfile;
/** Three reads, a 1 s reply timeout. */
const METER = profiles.get('generic/dlt645-single-phase') as Dlt645Profile;
const ADDRESS = '000012345678';
const NONE: PollCounters = { polls: 0, readings: 0, partial: 0, malformed: 0, timeout: 0, exception: 0, crc: 0, disconnected: 0, other: 0 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Simulated Modbus slaves and the gateway's bus to them, over one kind of link. */
const MODBUS_LINKS: Record<string, () => Promise<{ sim: SimulatedModbusTcp | SimulatedModbusRtu; connection: BusConnection }>> = {
  'Modbus TCP': async () => {
    const sim = new SimulatedModbusTcp();
    cleanups.push(() => sim.stop());
    return { sim, connection: { kind: 'tcp', host: '127.0.0.1', port: await sim.start() } };
  },
  'Modbus RTU on a serial line': async () => {
    const line = await virtualSerialLine();
    cleanups.push(() => line.close());
    const sim = new SimulatedModbusRtu();
    await sim.start(line.deviceEnd, 4800);
    cleanups.push(() => sim.stop());
    return { sim, connection: { kind: 'rtu', path: line.gatewayEnd, baudRate: 4800, parity: 'none', dataBits: 8, stopBits: 1 } };
  },
  'Modbus RTU behind a serial device server': async () => {
    const sim = new SimulatedModbusRtu();
    cleanups.push(() => sim.stop());
    return { sim, connection: { kind: 'rtu', tcp: { host: '127.0.0.1', port: await sim.startTcp() } } };
  },
};

/**
 * Each fault, and what the poller counts for one poll under it. A garbled RTU reply is read twice
 * (ATTEMPTS in gateway/drivers/modbus/poller.ts). Garbage on either framing is a timeout to modbus-serial: on RTU
 * it hunts for its unit and function code and finds neither; on TCP it waits for the length a
 * random MBAP header announced. Over Modbus TCP a 'crc' fault is exception 0B from the gateway.
 */
const MODBUS_FAULTS: Array<[string, ModbusFault, (link: string) => Partial<PollCounters>]> = [
  ['silent', 'silent', () => ({ timeout: 1 })],
  ['slow, within the timeout', { slow: 100 }, () => ({ readings: 1 })],
  // Its late reply lands while the RTU line is kept quiet after the timeout, and is emptied away (gateway/drivers/modbus/bus.ts).
  ['slow, past the timeout', { slow: 450 }, () => ({ timeout: 1 })],
  ['an exception', { exception: 4 }, () => ({ exception: 1 })],
  ['crc', 'crc', (link) => (link === 'Modbus TCP' ? { exception: 1 } : { crc: 2 })],
  ['garbage', 'garbage', () => ({ timeout: 1 })],
];

const hasSocat = requireCommand('socat');

for (const [link, open] of Object.entries(MODBUS_LINKS)) {
  describe.runIf(hasSocat || !link.includes('serial line'))(`the Modbus poller over ${link}`, () => {
    test.each(MODBUS_FAULTS)('%s: counted by kind; the next poll after it ends reads again', async (_, fault, expected) => {
      const { sim, connection } = await open();
      let level = 61.5;
      sim.addSlave(7, NOISE, () => ({ noise_dba: level }));
      const bus = new ModbusBus('bus-1', connection, silentLogger());
      cleanups.push(() => bus.close());
      const { engine, readings } = recordingEngine();
      const poller = new ModbusPoller({ context: { deviceId: 'noise-7', householdId: 'site-1', heartbeatMs: 1_000 }, profile: NOISE, unitId: 7 }, bus, engine, systemClock, silentLogger());
      await poller.pollOnce(); // the line is up and the slave answers

      sim.setFault(7, fault);
      level = 70.2;
      await poller.pollOnce();
      const { readings: read = 0, ...faults } = expected(link);
      expect(poller.health().counters).toEqual({ ...NONE, polls: 2, readings: 1 + read, ...faults });

      sim.setFault(7, 'none');
      level = 55.4;
      await poller.pollOnce();
      expect(readings.at(-1)!.metrics.noise_dba).toBeCloseTo(55.4, 5);
      expect(poller.health()).toMatchObject({ online: true, counters: { polls: 3 } });
    });
  });
}

const DLT_LINKS: Record<string, () => Promise<{ meters: SimulatedDlt645Meters; line: SerialLine }>> = {
  'DL/T 645 on a serial line': async () => {
    const pty = await virtualSerialLine();
    cleanups.push(() => pty.close());
    const meters = new SimulatedDlt645Meters();
    await meters.start(pty.deviceEnd, 2400);
    cleanups.push(() => meters.stop());
    return { meters, line: { path: pty.gatewayEnd, baudRate: 2400, parity: 'even', dataBits: 8, stopBits: 1 } };
  },
  'DL/T 645 behind a serial device server': async () => {
    const meters = new SimulatedDlt645Meters();
    cleanups.push(() => meters.stop());
    return { meters, line: { tcp: { host: '127.0.0.1', port: await meters.startTcp() } } };
  },
};

/** A checksum failure is read twice (gateway/drivers/dlt645/poller.ts); bytes that are no frame are 'other' once the reply timeout has passed. */
const DLT_FAULTS: Array<[string, Dlt645Fault, Partial<PollCounters>]> = [
  ['silent', 'silent', { timeout: 1 }],
  ['slow, within the timeout', { slow: 200 }, { readings: 1 }],
  ['slow, past the timeout', { slow: 1_500 }, { timeout: 1 }],
  // Each identifier is asked (a meter may refuse one alone, gateway/drivers/dlt645/poller.ts): this meter refuses all three.
  ['an error reply', { error: 4 }, { exception: 3 }],
  ['a wrong checksum', 'checksum', { crc: 2 }],
  ['garbage', 'garbage', { other: 1 }],
];

for (const [link, open] of Object.entries(DLT_LINKS)) {
  describe.runIf(hasSocat || !link.includes('serial line'))(`the DL/T 645 poller over ${link}`, () => {
    test.each(DLT_FAULTS)('%s: counted by kind; the next poll after it ends reads again', async (_, fault, expected) => {
      const { meters, line } = await open();
      let energy = 2468.13;
      meters.add(ADDRESS, METER, () => ({ energy_kwh: energy, voltage_v: 221.6, current_a: 3.125 }));
      const bus = new Dlt645Line('meters-1', line, silentLogger());
      cleanups.push(() => bus.close());
      const { engine, readings } = recordingEngine();
      const poller = new Dlt645Poller({ context: { deviceId: 'em-1', householdId: 'hh-1', heartbeatMs: 900_000 }, profile: METER, address: ADDRESS }, bus, engine, systemClock, silentLogger());

      meters.setFault(ADDRESS, fault);
      await poller.pollOnce();
      expect(poller.health().counters).toEqual({ ...NONE, polls: 1, ...expected });

      meters.setFault(ADDRESS, 'none');
      energy = 2470.5;
      await poller.pollOnce();
      expect(readings.at(-1)!.metrics).toEqual({ energy_kwh: 2470.5, voltage_v: 221.6, current_a: 3.125 });
      expect(poller.health()).toMatchObject({ online: true, counters: { polls: 2 } });
    });
  });
}
