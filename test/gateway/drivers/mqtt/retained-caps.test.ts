import { afterEach, describe, expect, test } from 'vitest';
import { RetainedLedger } from '../../../../gateway/drivers/mqtt/retained.js';
import { mqttGateway, type MqttGateway } from './gateway-harness.js';

let gateway: MqttGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** The retained messages a new subscriber to `filter` receives. */
async function retainedUnder(g: MqttGateway, filter: string): Promise<number> {
  const watcher = await g.connect('wm-1', { clientId: 'wm-1-watcher' });
  let n = 0;
  watcher.on('message', (_t, _p, packet) => (n += packet.retain ? 1 : 0));
  await watcher.subscribeAsync(filter, { qos: 0 });
  await new Promise((r) => setTimeout(r, 300));
  await watcher.endAsync();
  return n;
}

describe('retained messages are capped and every publish counts against the rate (issue 12, item 10)', () => {
  test('the ledger caps retained messages per client and in total, by count and bytes; a replacement or a clear frees room', () => {
    const ledger = new RetainedLedger({ perClientMessages: 2, perClientBytes: 100, totalMessages: 3, totalBytes: 150 });
    expect(ledger.admit('a/1', 'device:a', 10)).toBe(true);
    expect(ledger.admit('a/2', 'device:a', 10)).toBe(true);
    expect(ledger.admit('a/3', 'device:a', 10)).toBe(false); // count per client
    expect(ledger.admit('a/2', 'device:a', 90)).toBe(true); // replaces its own: 100 bytes
    expect(ledger.admit('a/1', 'device:a', 11)).toBe(false); // bytes per client
    expect(ledger.admit('b/1', 'device:b', 60)).toBe(false); // bytes in total (100 + 60 > 150)
    expect(ledger.admit('b/1', 'device:b', 40)).toBe(true);
    expect(ledger.admit('c/1', 'device:c', 1)).toBe(false); // count in total
    ledger.clear('a/1');
    expect(ledger.admit('c/1', 'device:c', 1)).toBe(true);
    expect(ledger.usage()).toEqual({ messages: 3, bytes: 131 });
    expect(ledger.usage('device:a')).toEqual({ messages: 1, bytes: 90 });
  });

  test('a meter retaining to its own ignored topics keeps at most its cap of retained messages; the rest are counted', async () => {
    gateway = await mqttGateway({ ratePerClient: 100_000, ratePerClientBurst: 100_000 });
    const meter = await gateway.connect('wm-1');
    await Promise.all(Array.from({ length: 230 }, (_, i) => meter.publishAsync(`gridwatch/wm-1/junk/${i}`, 'x'.repeat(1_000), { qos: 1, retain: true })));
    expect(meter.connected).toBe(true);
    expect(gateway.gw.status().mqtt).toMatchObject({ ignored: 230, retainDropped: 30 });
    expect(await retainedUnder(gateway, 'gridwatch/wm-1/junk/#')).toBe(200);
  });

  test('the caps are set in gateway.yaml (mqtt.retained)', async () => {
    gateway = await mqttGateway({ ratePerClient: 100_000, ratePerClientBurst: 100_000, retained: { perClientMessages: 5 } });
    const meter = await gateway.connect('wm-1');
    await Promise.all(Array.from({ length: 8 }, (_, i) => meter.publishAsync(`gridwatch/wm-1/junk/${i}`, 'x', { qos: 1, retain: true })));
    expect(gateway.gw.status().mqtt).toMatchObject({ ignored: 8, retainDropped: 3 });
    expect(await retainedUnder(gateway, 'gridwatch/wm-1/junk/#')).toBe(5);
  });

  test('publishes to ignored topics, retained or not, count against the client rate (the ingress valve counts every PUBLISH)', async () => {
    // 50/s after a burst of 10: 60 publishes take about a second of wall time to be read.
    gateway = await mqttGateway({ ratePerClient: 50, ratePerClientBurst: 10 });
    const meter = await gateway.connect('wm-1');
    const started = performance.now();
    // One at a time: each its own chunk on the socket (the valve holds the reads after a chunk, not within it).
    for (let i = 0; i < 60; i++) await meter.publishAsync(`gridwatch/wm-1/status/${i % 5}`, 'online', { qos: 1, retain: i % 2 === 0 });
    const elapsed = performance.now() - started;
    expect(gateway.gw.status().mqtt).toMatchObject({ ignored: 60, frames: 0 });
    expect(gateway.gw.status().mqtt.throttled).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThan(800);
  });
});
