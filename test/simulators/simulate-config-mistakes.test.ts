import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { formatPath } from '../../lib/validation.js';
import { simulateConfigSchema, type SimulateConfigInput } from '../../simulators/fleet/config.js';
import { startSimulation } from '../../simulators/fleet/simulation.js';
import { freePort } from '../support/free-port.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts a simulate config; resolves with the error message, or null (and stops it) when it started. */
async function startError(input: SimulateConfigInput): Promise<string | null> {
  const config = simulateConfigSchema.parse(input);
  return startSimulation(config, { clock: new VirtualClock(Date.parse('2026-11-23T10:00:00Z')), logger: silentLogger() }).then(
    async (sim) => {
      cleanups.push(() => sim.stop());
      return null;
    },
    (e: Error) => e.message,
  );
}

function schemaIssues(input: unknown): string[] {
  const r = simulateConfigSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

/**
 * Two devices at one unit id or meter address of a line would be one device: the simulators keep
 * one slave per unit id and one meter per address, so the second would silently take the first
 * one's place (and its faults).
 */
describe('gridwatch simulate: two devices at one address of a line are refused, naming both', () => {
  test('two Modbus devices left at their profile unit id 1 on modbus-tcp', async () => {
    const error = await startError({
      modbusTcp: { host: '127.0.0.1', port: await freePort() },
      devices: [
        { id: 'em-1', kind: 'electricity' }, // SDM120: unit 1
        { id: 'em-2', kind: 'electricity' }, // SDM120: unit 1 as well
      ],
    });
    expect(error).toBe("devices[1]: unit id 1 on modbus-tcp is already devices[0] (em-1); give each device on a line its own unitId (eastron/sdm120's factory setting)");
  });

  test('a device with its unitId set to a fleet device number on an RS-485 line', async () => {
    const error = await startError({
      lines: [{ id: 'site', protocol: 'modbus-rtu', tcp: { host: '127.0.0.1', port: await freePort() } }],
      fleets: [{ kind: 'noise', on: 'site', count: 3, idPrefix: 'ns-' }],
      devices: [{ id: 'ns-x', kind: 'noise', on: 'site', unitId: 2 }],
    });
    expect(error).toMatch(/^fleets\[0\] device 2: unit id 2 on site is already devices\[0\] \(ns-x\)/);
  });

  test('a device and a fleet on one DL/T 645 line with one meter address', async () => {
    const error = await startError({
      lines: [{ id: 'box', protocol: 'dlt645', tcp: { host: '127.0.0.1', port: await freePort() } }],
      devices: [{ id: 'mt-1', kind: 'electricity', profile: 'generic/dlt645-single-phase', on: 'box', address: '000000000001' }],
      fleets: [{ kind: 'electricity', profile: 'generic/dlt645-single-phase', on: 'box', count: 2, idPrefix: 'mt-f' }], // 000000000001, 000000000002
    });
    expect(error).toBe('fleets[0] device 1: meter address 000000000001 on box is already devices[0] (mt-1); give each meter on a line its own address (a fleet meter takes its number in the fleet)');
  });

  test('one unit id on two lines is two devices', async () => {
    const error = await startError({
      modbusTcp: { host: '127.0.0.1', port: await freePort() },
      lines: [{ id: 'site', protocol: 'modbus-rtu', tcp: { host: '127.0.0.1', port: await freePort() } }],
      devices: [
        { id: 'em-1', kind: 'electricity', unitId: 3 },
        { id: 'ns-1', kind: 'noise', on: 'site', unitId: 3 },
      ],
    });
    expect(error).toBeNull();
  });
});

describe('gridwatch simulate: ids', () => {
  test('a bridge whose id is a device id is refused (both would log in with one MQTT client id)', () => {
    expect(
      schemaIssues({
        broker: 'mqtt://127.0.0.1:1883',
        bridges: [{ id: 'door-1', username: 'zigbee2mqtt', password: 'x' }],
        devices: [
          { id: 'door-1', kind: 'door' },
          { id: 'door-2', kind: 'door', bridge: 'door-1' },
        ],
      }),
    ).toEqual(['devices[0].id: door-1 is already bridges[0]']);
  });

  test("a fleet device whose id is a bridge's is refused", async () => {
    const error = await startError({
      broker: 'mqtt://127.0.0.1:1',
      bridges: [{ id: 'wm-0002', username: 'zigbee2mqtt', password: 'x' }],
      fleets: [{ kind: 'water', count: 3, idPrefix: 'wm-' }],
    });
    expect(error).toBe('fleets[0] device 2.id: wm-0002 is already bridges[0]');
  });
});

describe('gridwatch simulate: fault windows', () => {
  const window = { from: '2026-11-23T10:00:00+08:00', until: '2026-11-23T11:00:00+08:00' };

  test("a fault a meter does not take is refused naming the window and listing the meter's faults", async () => {
    const error = await startError({
      lines: [{ id: 'box', protocol: 'dlt645', tcp: { host: '127.0.0.1', port: await freePort() } }],
      devices: [
        { id: 'mt-1', kind: 'electricity', profile: 'generic/dlt645-single-phase', on: 'box', address: '000000000001', faults: [{ fault: 'checksum', ...window }, { fault: 'crc', ...window }] },
      ],
    });
    expect(error).toBe('devices[0].faults[1].fault: "crc" is not a fault a DL/T 645 meter takes; write one of none, silent, checksum, garbage, { slow: "3s" }, { error: 2 }');
  });

  test('each protocol lists its own faults', async () => {
    const modbusTcp = { host: '127.0.0.1', port: await freePort() };
    expect(await startError({ modbusTcp, devices: [{ id: 'em-1', kind: 'electricity', faults: [{ fault: { error: 2 }, ...window }] }] })).toBe(
      'devices[0].faults[0].fault: {"error":2} is not a fault a Modbus device takes; write one of none, silent, crc, garbage, { slow: "3s" }, { exception: 4 }, { exception: 2, register: 342 }',
    );
    expect(await startError({ broker: 'mqtt://127.0.0.1:1', fleets: [{ kind: 'water', count: 1, idPrefix: 'wm-', faults: [{ fault: { slow: '1s' }, ...window }] }] })).toBe(
      'fleets[0] device 1.faults[0].fault: {"slow":"1s"} is not a fault an MQTT device takes; write one of none, silent, garbage',
    );
  });
});

describe('gridwatch simulate: lines', () => {
  test('baudRate or parity on a line behind a serial device server is refused, not ignored', () => {
    expect(schemaIssues({ lines: [{ id: 'box', protocol: 'dlt645', tcp: { port: 4001 }, baudRate: 2400, parity: 'even' }], devices: [{ id: 'x', kind: 'door' }] })).toEqual([
      'lines[0].baudRate: baudRate is for a line on a serial port (path): behind a serial device server (tcp) the simulated devices have no serial side to set',
      'lines[0].parity: parity is for a line on a serial port (path): behind a serial device server (tcp) the simulated devices have no serial side to set',
    ]);
    expect(schemaIssues({ lines: [{ id: 'box', protocol: 'dlt645', path: '/dev/ttyUSB0', baudRate: 2400, parity: 'even' }], devices: [{ id: 'x', kind: 'door' }] })).toEqual([]);
  });
});
