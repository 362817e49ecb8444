import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import type { Ticket } from '../cloud/alerts/ticket.js';
import { cloudConfigSchema } from '../cloud/config.js';
import { generateToken } from '../cloud/ingest/auth.js';
import { startCloud } from '../cloud/main.js';
import { gatewayConfigSchema } from '../gateway/config.js';
import { startGateway } from '../gateway/main.js';
import { simulateConfigSchema } from '../simulators/config.js';
import { startWaterFleet } from '../simulators/water-fleet.js';

const HOUR = 3_600_000;
/** Monday 2026-11-23, midnight in Shanghai: a fixed start, so every run tells the same story. */
export const DEMO_START = Date.parse('2026-11-23T00:00:00+08:00');

export interface DemoOptions {
  days: number;
  households: number;
  /** Which household (1-based) stops using water, and when (hours after the start). */
  stoppingHousehold: number;
  stopsAfterHours: number;
  logger: Logger;
  progress: (line: string) => void;
}

export interface DemoResult {
  tickets: Ticket[];
  readings: number;
  alerts: number;
  stoppedHouseholdId: string;
}

export const householdId = (n: number): string => `hh-${100 + n}`;

/**
 * The whole pipeline in one process on embedded defaults: cloud on SQLite, gateway with its
 * aedes broker, simulated water meters over MQTT on loopback, all on one virtual clock that
 * the scenario advances hour by hour.
 */
export async function runDemoScenario(o: DemoOptions): Promise<DemoResult> {
  const dir = mkdtempSync(join(tmpdir(), 'gridwatch-demo-'));
  const clock = new VirtualClock(DEMO_START);
  const gatewayToken = generateToken();
  const readerToken = generateToken();
  const stopsAt = DEMO_START + o.stopsAfterHours * HOUR;
  const stoppedHouseholdId = householdId(o.stoppingHousehold);
  const closers: Array<() => Promise<void>> = [];
  try {
    const cloud = await startCloud(
      cloudConfigSchema.parse({
        http: { host: '127.0.0.1', port: 0 },
        sqlitePath: join(dir, 'cloud.sqlite'),
        gateways: [{ id: 'gw-demo', tokenSha256: gatewayToken.sha256 }],
        readers: [{ name: 'demo', tokenSha256: readerToken.sha256 }],
      }),
      { clock, logger: o.logger.child({ component: 'cloud' }) },
    );
    closers.unshift(() => cloud.close());

    const households = Array.from({ length: o.households }, (_, i) => i + 1);
    // Each meter logs in to the gateway's broker with its own password, as installed meters do.
    const meterSecrets = new Map(households.map((n) => [n, generateToken()]));
    const gateway = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-demo',
        dataDir: join(dir, 'gateway'),
        // The virtual clock runs days in a second, so each meter sends hundreds of messages a
        // second of wall time: the per-client limit is scaled with it.
        mqtt: { host: '127.0.0.1', port: 0, ratePerClient: 100_000, ratePerClientBurst: 100_000 },
        cloud: { url: cloud.url, token: gatewayToken.token },
        devices: households.map((n) => ({
          id: `wm-${100 + n}`,
          householdId: householdId(n),
          profile: 'generic/mqtt-water-flow',
          mqttPasswordSha256: meterSecrets.get(n)!.sha256,
        })),
      }),
      { clock, logger: o.logger.child({ component: 'gateway' }) },
    );
    closers.unshift(() => gateway.close());

    const fleet = await startWaterFleet(
      simulateConfigSchema.parse({
        broker: `mqtt://127.0.0.1:${gateway.mqttPort}`,
        interval: '15m',
        meters: households.map((n) => ({
          deviceId: `wm-${100 + n}`,
          seed: 100 + n,
          initialVolumeL: 1_000 * n,
          password: meterSecrets.get(n)!.token,
          ...(n === o.stoppingHousehold ? { stopsAt: new Date(stopsAt).toISOString() } : {}),
        })),
      }),
      { clock, logger: o.logger.child({ component: 'simulator' }) },
    );
    closers.unshift(() => fleet.stop());

    o.progress(
      `${o.households} households, one water meter each, reporting every 15 min; ${stoppedHouseholdId} stops using water at ${localTime(stopsAt)}`,
    );
    const end = DEMO_START + o.days * 24 * HOUR;
    let ticketsSoFar = 0;
    while (clock.now() < end) {
      await clock.advance(HOUR);
      await gateway.uplink.idle();
      if ((clock.now() - DEMO_START) % (6 * HOUR) === 0) {
        const tickets = await cloud.store.listTickets({});
        const status = gateway.status();
        const news = tickets.length > ticketsSoFar ? `  <- ticket opened for ${tickets.at(-1)!.householdId}` : '';
        ticketsSoFar = tickets.length;
        o.progress(
          `${localTime(clock.now())}  readings ${String(status.mqtt.readings).padStart(4)}  outbox ${status.outbox.pending}  tickets ${tickets.length}${news}`,
        );
      }
    }
    await drain(clock, gateway);

    const response = await fetch(new URL('/v1/tickets', cloud.url), { headers: { authorization: `Bearer ${readerToken.token}` } });
    if (!response.ok) throw new Error(`GET /v1/tickets answered ${response.status}: ${await response.text()}`);
    const { tickets } = (await response.json()) as { tickets: Ticket[] };
    const status = gateway.status();
    return { tickets, readings: status.mqtt.readings, alerts: status.uplink.delivered, stoppedHouseholdId };
  } finally {
    for (const close of closers) await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Waits until the outbox is empty, moving the clock on so that a backed-off uplink retries. */
async function drain(clock: VirtualClock, gateway: { outbox: { counts(): { pending: number } }; uplink: { idle(): Promise<void> } }) {
  const deadline = Date.now() + 15_000;
  while (gateway.outbox.counts().pending > 0) {
    if (Date.now() > deadline) throw new Error(`${gateway.outbox.counts().pending} alerts still in the outbox after 15 s`);
    await gateway.uplink.idle();
    await clock.advance(1_000);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** "Tue 11-24 10:00" in Shanghai time. */
export function localTime(ms: number): string {
  const d = new Date(ms + 8 * HOUR);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day} ${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
