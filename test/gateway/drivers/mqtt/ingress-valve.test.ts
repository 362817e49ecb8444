import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { silentLogger } from '../../../../lib/log.js';
import { IngressValve, type HoldReason } from '../../../../gateway/drivers/mqtt/ingress-valve.js';
import { startMqttBroker, type BrokerVerdict } from '../../../../gateway/drivers/mqtt/broker.js';
import { MqttAcl } from '../../../../gateway/drivers/mqtt/acl.js';
import { mqttDevicesByTopic } from '../../../../gateway/drivers/mqtt/devices.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import { T0 } from '../../../support/rules/rule-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A client's socket as the valve sees it: bytes waiting to be read, and 'readable'. */
function fakeSocket(): { socket: Socket; readables: () => number } {
  const stream = new PassThrough();
  let readables = 0;
  stream.on('readable', () => readables++);
  return { socket: stream as unknown as Socket, readables: () => readables };
}

describe('IngressValve', () => {
  test('a client over its rate reads nothing until its debt is paid, then is told to read again', async () => {
    const clock = new VirtualClock(T0);
    const holds: HoldReason[] = [];
    const valve = new IngressValve({ ratePerClient: 10, burst: 5, busyFramesPerTurn: 1_000, timer: clock, onHold: (why) => holds.push(why) });
    const { socket, readables } = fakeSocket();
    const charge = valve.attach(socket);
    socket.write('first chunk');
    expect(socket.read()?.toString()).toBe('first chunk');
    charge(25, 0); // 5 in the burst, 20 in debt: 2 s at 10/s
    expect(holds).toEqual(['rate']);
    socket.write('more');
    await nextTurn();
    const before = readables();
    expect(socket.read()).toBeNull();
    await clock.advance(1_999);
    expect(socket.read()).toBeNull();
    expect(readables()).toBe(before);
    await clock.advance(1);
    expect(readables()).toBe(before + 1);
    expect(socket.read()?.toString()).toBe('more');
  });

  test('once busy clients spent the turn, another busy one waits for the next turn; a quiet one (a new connection, an SOS button) reads at once', async () => {
    const clock = new VirtualClock(T0);
    const holds: HoldReason[] = [];
    const valve = new IngressValve({ ratePerClient: 1_000, burst: 10, busyFramesPerTurn: 10, timer: clock, onHold: (why) => holds.push(why) });
    const [a, b, quiet] = [fakeSocket(), fakeSocket(), fakeSocket()];
    const chargeA = valve.attach(a.socket);
    const chargeB = valve.attach(b.socket);
    valve.attach(quiet.socket);
    // Earlier, B used its burst: it is busy.
    b.socket.write('b-old');
    expect(b.socket.read()?.toString()).toBe('b-old');
    chargeB(8, 0);
    await nextTurn();
    // This turn, A reads ten packets: the turn's share for busy clients is spent.
    a.socket.write('a');
    expect(a.socket.read()?.toString()).toBe('a');
    chargeA(10, 0);
    b.socket.write('b-new');
    quiet.socket.write('CONNECT');
    expect(b.socket.read()).toBeNull();
    expect(holds).toEqual(['turn']);
    expect(quiet.socket.read()?.toString()).toBe('CONNECT');
    // The next turn, B is told to read first.
    await new Promise((r) => process.nextTick(r)); // the stream's own 'readable' for b-new
    const before = b.readables();
    await nextTurn();
    expect(b.readables()).toBe(before + 1);
    expect(b.socket.read()?.toString()).toBe('b-new');
  });
});

describe('IngressValve and urgent frames', () => {
  test("an SOS or a fall never counts against its client's rate: a bridge pressing many is not held back", async () => {
    const clock = new VirtualClock(T0);
    const holds: HoldReason[] = [];
    const valve = new IngressValve({ ratePerClient: 10, burst: 5, busyFramesPerTurn: 1_000, timer: clock, onHold: (why) => holds.push(why) });
    const { socket } = fakeSocket();
    const charge = valve.attach(socket);
    socket.write('SOS presses');
    expect(socket.read()?.toString()).toBe('SOS presses');
    charge(0, 200);
    socket.write('more');
    expect(socket.read()?.toString()).toBe('more');
    expect(holds).toEqual([]);
  });
});

describe('the valve in the broker (aedes reads through it)', () => {
  test('a client publishing over its rate is left unread, then read in full once its rate allows: nothing is dropped', async () => {
    const clock = new VirtualClock(T0);
    let onThrottled = () => undefined as void;
    const throttled = new Promise<void>((resolve) => (onThrottled = resolve));
    const frames: string[] = [];
    const devices = mqttDevicesByTopic([{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow' } as never], loadProfiles());
    const broker = await startMqttBroker({
      host: '127.0.0.1',
      port: 0,
      maxPayloadBytes: 1_024,
      logger: silentLogger(),
      acl: new MqttAcl({ devices: [], bridges: [], allowAnonymous: true }, devices),
      ratePerClient: 10,
      ratePerClientBurst: 5,
      isUrgent: (topic) => topic.startsWith('zigbee2mqtt/SOS'),
      ingressTimer: clock,
      onFrame: (_topic, payload) => {
        frames.push(payload.toString());
        return undefined;
      },
      onVerdict: (v: BrokerVerdict) => v === 'throttled' && onThrottled(),
    });
    cleanups.push(() => broker.close());
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: 'flooder' });
    cleanups.push(() => client.endAsync(true));
    // QoS 0: ten at once, five over the burst: the client owes half a second.
    for (let i = 0; i < 10; i++) client.publish('gridwatch/wm-1/water', String(i), { qos: 0 });
    await throttled;
    // What it sends now waits in the socket, however long we wait in wall time, until the debt is paid on the ingress clock.
    for (let i = 10; i < 40; i++) client.publish('gridwatch/wm-1/water', String(i), { qos: 0 });
    await new Promise((r) => setTimeout(r, 200));
    expect(frames.length).toBeLessThanOrEqual(10);
    while (frames.length < 40) {
      await clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(frames).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });
});
