import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, test } from 'vitest';
import { VirtualClock } from '../../../lib/time/clock.js';
import { silentLogger } from '../../../lib/log.js';
import { generateToken } from '../../../cloud/http/auth.js';
import { gatewayConfigSchema } from '../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../gateway/main.js';
import { startTestCloud, type TestCloud } from '../../cloud/start-test-cloud.js';
import { freePort } from '../../support/free-port.js';
import { HOUR, MINUTE, T0 } from '../../support/rules/rule-harness.js';
import { tempDir } from '../../support/temp-dir.js';
import { TestWaterMeters } from '../../support/rules/water-meters.js';

const DEVICES = ['wm-1', 'wm-2', 'wm-3', 'wm-4', 'wm-5'];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gatewayTo(cloudUrl: string, token: string, clock: VirtualClock): Promise<{ gateway: GatewayHandle; meters: TestWaterMeters }> {
  const gateway = await startGateway(
    gatewayConfigSchema.parse({
      gatewayId: 'gw-1',
      dataDir: tempDir(),
      mqtt: { host: '127.0.0.1', port: 0, allowAnonymous: true },
      cloud: { url: cloudUrl, token, retryInitial: '1s', retryMax: '60s', requestTimeout: '2s' },
      devices: DEVICES.map((id, i) => ({ id, householdId: `hh-${i + 1}`, profile: 'generic/mqtt-water-flow' })),
    }),
    { clock, logger: silentLogger() },
  );
  cleanups.push(() => gateway.close());
  const meters = await TestWaterMeters.connect(`mqtt://127.0.0.1:${gateway.mqttPort}`, DEVICES);
  cleanups.push(() => meters.close());
  return { gateway, meters };
}

/** Every device reports an unchanged counter every 15 min for `hours`; `extra` may publish more. */
async function run(clock: VirtualClock, meters: TestWaterMeters, hours: number, volume: (device: string) => number) {
  const end = clock.now() + hours * HOUR;
  while (clock.now() < end) {
    await clock.advance(15 * MINUTE);
    for (const d of DEVICES) await meters.publish(d, volume(d));
  }
}

describe('uplink', () => {
  test('alerts queued while the cloud is down arrive after it returns, in order per device', async () => {
    const clock = new VirtualClock(T0);
    const port = await freePort();
    const token = generateToken();
    const { gateway, meters } = await gatewayTo(`http://127.0.0.1:${port}`, token.token, clock);

    // 25 h without water use on every meter; wm-1 then uses 20 L, which clears its alert.
    let wm1 = 100;
    await run(clock, meters, 25, (d) => (d === 'wm-1' ? wm1 : 100));
    wm1 = 120;
    await run(clock, meters, 1, (d) => (d === 'wm-1' ? wm1 : 100));
    await gateway.uplink.idle();

    expect(gateway.outbox.counts().pending).toBe(6);
    const down = gateway.uplink.status();
    expect(down.consecutiveFailures).toBeGreaterThan(3);
    expect(down.lastError).toMatch(/ECONNREFUSED/);
    expect(down.retryAt).not.toBeNull();

    const cloud: TestCloud = await startTestCloud({
      http: { host: '127.0.0.1', port },
      gateways: [{ id: 'gw-1', tokenSha256: token.sha256 }],
    }, undefined, undefined, clock);
    cleanups.push(() => cloud.close());
    await clock.advance(60_000); // the longest backoff
    await gateway.uplink.idle();

    expect(gateway.outbox.counts().pending).toBe(0);
    const tickets = await cloud.cloud.store.listTickets({});
    expect(tickets.map((t) => t.householdId).sort()).toEqual(['hh-1', 'hh-2', 'hh-3', 'hh-4', 'hh-5']);
    expect(tickets.find((t) => t.householdId === 'hh-1')).toMatchObject({ alertCount: 1, clearCount: 1 });
    expect(tickets.every((t) => t.rule === 'no-water-use' && t.grade === 'P2' && t.state === 'open')).toBe(true);
  });

  test('a response lost after the cloud committed is resent and opens no second ticket', async () => {
    const clock = new VirtualClock(T0);
    const token = generateToken();
    const cloud = await startTestCloud({ gateways: [{ id: 'gw-1', tokenSha256: token.sha256 }] }, undefined, undefined, clock);
    cleanups.push(() => cloud.close());

    // A proxy that forwards the first alerts request and then cuts the connection instead of answering.
    let requests = 0;
    const proxy: Server = createServer(async (req, res) => {
      const alerts = req.url === '/v1/ingest/alerts';
      if (alerts) requests++;
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const upstream = await fetch(`${cloud.cloud.url}${req.url}`, {
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
        body: Buffer.concat(chunks),
      });
      const body = await upstream.text();
      if (alerts && requests === 1) {
        req.socket.destroy();
        return;
      }
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => proxy.close(() => resolve())));
    const proxyPort = (proxy.address() as { port: number }).port;

    const { gateway, meters } = await gatewayTo(`http://127.0.0.1:${proxyPort}`, token.token, clock);
    await run(clock, meters, 25, () => 100);
    await gateway.uplink.idle();
    await clock.advance(60_000);
    await gateway.uplink.idle();

    expect(requests).toBe(2);
    expect(gateway.outbox.counts().pending).toBe(0);
    const tickets = await cloud.cloud.store.listTickets({});
    expect(tickets).toHaveLength(5);
    expect(tickets.every((t) => t.alertCount === 1)).toBe(true);
  });
});
