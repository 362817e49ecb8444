import { afterEach, describe, expect, test } from 'vitest';
import { parseAvailability } from '../../../../gateway/drivers/mqtt/availability.js';
import { capturingLogger, closed, mqttGateway, type MqttGateway } from './gateway-harness.js';

let gateway: MqttGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const online = (g: MqttGateway) => Object.fromEntries(g.gw.status().pushed.map((d) => [d.deviceId, d.online]));

describe('availability is a signal (issue 12, item 15)', () => {
  test('availability payloads: Tasmota LWT, Zigbee2MQTT JSON and plain', () => {
    for (const [payload, state] of [
      ['Online', 'online'],
      ['Offline', 'offline'],
      ['{"state":"online"}', 'online'],
      ['{"state":"offline"}', 'offline'],
      ['offline', 'offline'],
      [' online\n', 'online'],
      ['{"state":"unknown"}', undefined],
      ['{"state":', undefined],
      ['', undefined],
    ] as const) {
      expect(parseAvailability(Buffer.from(payload)), payload).toBe(state);
    }
  });

  test("Tasmota's LWT marks it online and, as its will, offline at once, and is logged", async () => {
    const { logger, lines } = capturingLogger();
    gateway = await mqttGateway({}, logger);
    const tasmota = await gateway.connect('tasmota-7', { will: { topic: 'tele/water_meter_7/LWT', payload: Buffer.from('Offline'), qos: 1, retain: true } });
    expect(online(gateway)['tasmota-7']).toBe(false); // never seen yet
    await tasmota.publishAsync('tele/water_meter_7/LWT', 'Online', { qos: 1, retain: true });
    expect(online(gateway)['tasmota-7']).toBe(true);
    await tasmota.publishAsync('tele/water_meter_7/SENSOR', '{"COUNTER":{"C1":1}}', { qos: 1 });
    const gone = closed(tasmota);
    tasmota.stream.destroy(); // the power goes: the broker publishes its will
    await gone;
    await expect.poll(() => online(gateway!)['tasmota-7']).toBe(false);
    expect(gateway.gw.status().pushed.find((d) => d.deviceId === 'tasmota-7')?.reported).toMatchObject({ state: 'offline' });
    expect(gateway.gw.status().mqtt).toMatchObject({ availability: 2, malformed: 0, readings: 1 });
    expect(lines.filter((l) => l.msg.includes('reported')).map((l) => [l.level, l.msg])).toEqual([
      [30, 'device reported online'],
      [30, 'device reported offline'],
    ]);
  });

  test("Zigbee2MQTT's <name>/availability marks that device; the bridge's own offline state (its will) marks all its devices", async () => {
    gateway = await mqttGateway();
    const z2m = await gateway.connect('zigbee2mqtt', { will: { topic: 'zigbee2mqtt/bridge/state', payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true } });
    await z2m.publishAsync('zigbee2mqtt/bridge/state', '{"state":"online"}', { qos: 1, retain: true });
    await z2m.publishAsync('zigbee2mqtt/Front door', '{"contact":true}', { qos: 1 });
    expect(online(gateway)).toMatchObject({ 'door-3': true, 'sos-3': true });
    await z2m.publishAsync('zigbee2mqtt/Front door/availability', '{"state":"offline"}', { qos: 1, retain: true });
    expect(online(gateway)).toMatchObject({ 'door-3': false, 'sos-3': true });
    await z2m.publishAsync('zigbee2mqtt/Front door/availability', 'online', { qos: 1, retain: true }); // older Zigbee2MQTT
    expect(online(gateway)).toMatchObject({ 'door-3': true, 'sos-3': true });
    const gone = closed(z2m);
    z2m.stream.destroy();
    await gone;
    await expect.poll(() => online(gateway!)).toMatchObject({ 'door-3': false, 'sos-3': false });
    expect(online(gateway)['wm-1']).toBe(false);
  });

  test("a device cannot report another device's availability", async () => {
    gateway = await mqttGateway();
    const meter = await gateway.connect('wm-1');
    const gone = closed(meter);
    meter.publish('tele/water_meter_7/LWT', 'Online', { qos: 1 });
    await gone;
    expect(online(gateway)['tasmota-7']).toBe(false);
    expect(gateway.gw.status().mqtt).toMatchObject({ forbidden: 1, availability: 0 });
  });
});
