import { connect } from 'node:net';
import { once } from 'node:events';
import mqtt from 'mqtt';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { hashToken } from '../../../../lib/tokens.js';
import { silentLogger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway } from '../../../../gateway/main.js';
import { FrameScanner } from '../../../../gateway/drivers/mqtt/frame-guard.js';
import { freePort } from '../../../support/free-port.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An MQTT fixed header: type byte, then the remaining length as a variable byte integer. */
function header(type: number, remaining: number): Buffer {
  const bytes = [type];
  do {
    let b = remaining % 128;
    remaining = Math.floor(remaining / 128);
    if (remaining > 0) b |= 0x80;
    bytes.push(b);
  } while (remaining > 0);
  return Buffer.from(bytes);
}

describe('FrameScanner', () => {
  test('follows packets of every length form, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }),
        (lengths, oversized, cuts) => {
          const limit = 20_000;
          const stream = Buffer.concat([...lengths.map((n) => Buffer.concat([header(0x30, n), Buffer.alloc(n, 0xff)])), header(0x30, limit + 1 + oversized)]);
          const scanner = new FrameScanner(limit);
          let found: number | undefined;
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const size = cuts[i % cuts.length]!;
            found ??= scanner.push(stream.subarray(at, at + size));
            at += size;
          }
          // Bodies full of 0xff would read as lengths if the scanner lost its place.
          expect(found).toBe(limit + 1 + oversized);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('reads each PUBLISH topic as mqtt-packet writes it, however the stream is cut: urgent and bulk counted apart', () => {
    const topics = ['zigbee2mqtt/SOS button bedroom', 'zigbee2mqtt/Front door', 'gridwatch/wm-1/water', `t/${'x'.repeat(600)}`, ''];
    const packet = fc.oneof(
      fc.record({ topic: fc.constantFrom(...topics), payload: fc.string({ maxLength: 300 }), qos: fc.constantFrom(0, 1), id: fc.integer({ min: 1, max: 65_535 }) }).map(
        ({ topic, payload, qos, id }) => ({ topic, bytes: mqttPacket.generate({ cmd: 'publish', topic, payload, qos: qos as 0 | 1, dup: false, retain: false, ...(qos === 1 ? { messageId: id } : {}) }) }),
      ),
      fc.constantFrom(mqttPacket.generate({ cmd: 'pingreq' }), mqttPacket.generate({ cmd: 'puback', messageId: 7 })).map((bytes) => ({ topic: undefined, bytes })),
    );
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 10 }), (packets, cuts) => {
        const scanner = new FrameScanner(65_536, (topic) => topic.includes('SOS'));
        const stream = Buffer.concat(packets.map((p) => p.bytes));
        for (let at = 0, i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length]!;
          expect(scanner.push(stream.subarray(at, at + size))).toBeUndefined();
          at += size;
        }
        const urgent = packets.filter((p) => p.topic?.includes('SOS')).length;
        expect(scanner.urgent).toBe(urgent);
        expect(scanner.bulk).toBe(packets.filter((p) => p.topic !== undefined).length - urgent);
      }),
      { numRuns: 300 },
    );
  });

  test('a packet at the limit passes; the largest length MQTT can say (268,435,455) trips', () => {
    const scanner = new FrameScanner(1_000);
    expect(scanner.push(Buffer.concat([header(0x30, 1_000), Buffer.alloc(1_000)]))).toBeUndefined();
    expect(scanner.push(header(0x30, 268_435_455))).toBe(268_435_455);
  });
});

describe('the broker against a huge PUBLISH', () => {
  test('a 150 MiB PUBLISH is cut off at its header, before aedes buffers it; other devices go on', async () => {
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-1',
        dataDir: tempDir(),
        mqtt: { host: '127.0.0.1', port: 0, maxPayloadBytes: 65_536 },
        cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
        devices: [{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: hashToken('wm-1-secret') }],
      }),
      { clock: new VirtualClock(T0), logger: silentLogger() },
    );
    cleanups.push(() => gw.close());

    // A raw client: CONNECT as the meter, then a PUBLISH that announces 150 MiB and streams it.
    const socket = connect(gw.mqttPort, '127.0.0.1');
    await once(socket, 'connect');
    const connectBody = Buffer.concat([
      Buffer.from([0, 4, ...Buffer.from('MQTT'), 4, 0xc2, 0, 60]),
      ...['wm-1', 'wm-1', 'wm-1-secret'].map((s) => Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s)])),
    ]);
    socket.write(Buffer.concat([header(0x10, connectBody.length), connectBody]));
    const [connack] = (await once(socket, 'data')) as [Buffer];
    expect([...connack]).toEqual([0x20, 2, 0, 0]);

    const total = 150 * 1024 * 1024;
    const topic = Buffer.from('gridwatch/wm-1/water');
    const variable = Buffer.concat([Buffer.from([0, topic.length]), topic]);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined); // EPIPE / ECONNRESET once the gateway hangs up
    const before = process.memoryUsage().arrayBuffers;
    let peak = before;
    let sent = 0;
    socket.write(Buffer.concat([header(0x30, variable.length + total), variable]));
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    let open = true;
    void closed.then(() => (open = false));
    while (open && sent < total) {
      if (!socket.write(chunk)) await Promise.race([once(socket, 'drain').catch(() => undefined), closed]);
      sent += chunk.length;
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    await closed;

    expect(sent).toBeLessThan(total / 4); // hung up long before the body was through
    expect(peak - before).toBeLessThan(64 * 1024 * 1024); // was +460 MiB
    expect(gw.status().mqtt).toMatchObject({ oversize: 1, readings: 0 });

    const good = await mqtt.connectAsync(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'wm-1', username: 'wm-1', password: 'wm-1-secret' });
    cleanups.push(() => good.endAsync());
    await good.publishAsync('gridwatch/wm-1/water', '{"total_l":1}', { qos: 1 });
    expect(gw.status().mqtt.readings).toBe(1);
  });
});
