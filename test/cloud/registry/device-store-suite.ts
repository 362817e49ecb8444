import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createDeviceStore, type DeviceStore } from '../../../cloud/registry/device-store.js';
import { createRegistryStore } from '../../../cloud/registry/registry-store.js';
import { VirtualClock } from '../../../lib/time/clock.js';
import { hashToken } from '../../../lib/tokens.js';
import { engineAvailable, openTestDb, type Engine, type OpenedTestDb } from '../test-db.js';
import { addJiangningPlaces, emptyRegistry } from './places-fixture.js';

const NOW = Date.parse('2026-12-07T10:00:00+08:00');

/** Gateways and the devices provisioned on them, on both engines. */
export function defineDeviceStoreSuite(engine: Engine): void {
  describe.skipIf(!engineAvailable(engine))(`gateways and devices on ${engine}`, () => {
    let opened: OpenedTestDb;
    let devices: DeviceStore;

    beforeAll(async () => {
      opened = await openTestDb(engine);
    });
    afterAll(async () => {
      await opened?.close();
    });
    beforeEach(async () => {
      const db = opened.db;
      await emptyRegistry(db);
      const clock = new VirtualClock(NOW);
      const registry = createRegistryStore(db, clock);
      devices = createDeviceStore(db, clock);
      await addJiangningPlaces(registry, ['grid-3']);
      await registry.saveHousehold({ id: 'hh-101', gridId: 'grid-3', address: '愚园路 100 弄 5 号 301' });
      await devices.addGateway({ id: 'gw-1', name: '蒋家巷 5 号楼' });
    });

    test('an MQTT device gets its password once; only its SHA-256 is kept', async () => {
      const { device, mqttPassword } = await devices.addDevice({ id: 'wm-101', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'generic/mqtt-water-flow', transport: { kind: 'mqtt' } });
      expect(mqttPassword).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(device).toMatchObject({ status: 'provisioned', transport: { kind: 'mqtt', key: 'wm-101' }, hasMqttPassword: true });
      const row = await opened.db.selectFrom('devices').select('mqtt_password_sha256').where('id', '=', 'wm-101').executeTakeFirstOrThrow();
      expect(row.mqtt_password_sha256).toBe(hashToken(mqttPassword!));
    });

    test('door contacts in three rooms on a bridge, a Modbus meter, a DL/T 645 meter and a band', async () => {
      for (const room of ['entry', 'fridge', 'bathroom']) {
        const r = await devices.addDevice({ id: `door-${room}`, gatewayId: 'gw-1', householdId: 'hh-101', profile: 'aqara/mccgq11lm', room, transport: { kind: 'bridge-topic', topic: `Door ${room}` } });
        expect(r.mqttPassword).toBeUndefined();
      }
      await devices.addDevice({ id: 'em-1', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'eastron/sdm120', transport: { kind: 'modbus', bus: 'rs485-1', unit: 3 } });
      await devices.addDevice({ id: 'mt-1', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'generic/dlt645-single-phase', transport: { kind: 'dlt645', line: 'line-1', address: '000000000101' } });
      await devices.addDevice({ id: 'wb-1', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'generic/watch-3g', transport: { kind: 'watch', watchId: '8800000101' } });
      expect((await devices.devicesOf('gw-1')).map((d) => [d.id, d.room, d.transport.key])).toEqual([
        ['door-bathroom', 'bathroom', 'Door bathroom'],
        ['door-entry', 'entry', 'Door entry'],
        ['door-fridge', 'fridge', 'Door fridge'],
        ['em-1', '', 'rs485-1/3'],
        ['mt-1', '', 'line-1/000000000101'],
        ['wb-1', '', '8800000101'],
      ]);
    });

    test('a transport identity is held once per gateway until its device is retired', async () => {
      await devices.addDevice({ id: 'em-1', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'eastron/sdm120', transport: { kind: 'modbus', bus: 'rs485-1', unit: 3 } });
      await expect(devices.addDevice({ id: 'em-2', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'eastron/sdm120', transport: { kind: 'modbus', bus: 'rs485-1', unit: 3 } })).rejects.toMatchObject({ code: 'exists', path: 'transport' });
      await devices.retire('em-1');
      await devices.addDevice({ id: 'em-2', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'eastron/sdm120', transport: { kind: 'modbus', bus: 'rs485-1', unit: 3 } });
      expect((await devices.devicesOf('gw-1')).map((d) => d.id)).toEqual(['em-2']);
      expect((await devices.devicesOf('gw-1', { includeRetired: true })).map((d) => [d.id, d.status])).toEqual([
        ['em-1', 'retired'],
        ['em-2', 'provisioned'],
      ]);
      // A retired device keeps its id.
      await expect(devices.addDevice({ id: 'em-1', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'eastron/sdm120', transport: { kind: 'modbus', bus: 'rs485-1', unit: 4 } })).rejects.toMatchObject({ code: 'exists', path: 'id' });
    });

    test('what does not fit is refused, naming the field', async () => {
      const base = { id: 'x-1', gatewayId: 'gw-1', householdId: 'hh-101', profile: 'eastron/sdm120' };
      await expect(devices.addDevice({ ...base, gatewayId: 'gw-9', transport: { kind: 'mqtt' } })).rejects.toMatchObject({ code: 'unknown_gateway' });
      await expect(devices.addDevice({ ...base, householdId: 'hh-9', transport: { kind: 'mqtt' } })).rejects.toMatchObject({ code: 'unknown_household' });
      await expect(devices.addDevice({ ...base, transport: { kind: 'modbus', bus: 'rs485-1', unit: 248 } })).rejects.toThrow(/unit/);
      await expect(devices.addDevice({ ...base, transport: { kind: 'dlt645', line: 'line-1', address: '12345' } })).rejects.toThrow(/12 digits/);
      await expect(devices.addDevice({ ...base, profile: 'SDM120', transport: { kind: 'mqtt' } })).rejects.toThrow(/vendor\/model/);
      await expect(devices.retire('nothing')).rejects.toMatchObject({ code: 'unknown_device' });
      await expect(devices.addGateway({ id: 'gw-1', name: 'again' })).rejects.toMatchObject({ code: 'exists' });
    });
  });
}
