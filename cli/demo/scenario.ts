import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';
import type { Ticket } from '../../cloud/alerts/ticket.js';
import { cloudConfigSchema } from '../../cloud/config.js';
import { generateToken } from '../../cloud/http/auth.js';
import { startCloud } from '../../cloud/main.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { simulateConfigSchema } from '../../simulators/fleet/config.js';
import { startSimulation } from '../../simulators/fleet/simulation.js';
import { freePort } from '../../lib/net/free-port.js';
import type { GatewayStatus } from '../../gateway/main.js';
import { demoCompound } from './compound.js';
import { DEMO_TIME_ZONE, localTime } from './report.js';

const HOUR = 3_600_000;
/** Monday 2026-11-23, midnight in Shanghai: a fixed start, so every run tells the same story. */
export const DEMO_START = Date.parse('2026-11-23T00:00:00+08:00');

export interface DemoOptions {
  days: number;
  /** Households: the compound's three, and normal ones beyond them (a water meter and a door each). */
  households: number;
  logger: Logger;
  progress: (line: string) => void;
}

export interface DemoResult {
  tickets: Ticket[];
  readings: number;
  /** Alerts the gateway delivered... */
  alerts: number;
  /** ... and the same as the cloud holds them: raises open or join a ticket, a clear joins its ticket. */
  alertsByKind: { raise: number; clear: number };
  story: string[];
  /** Places that are construction sites, not households. */
  sites: ReadonlySet<string>;
}

export const householdId = (n: number): string => `hh-${100 + n}`;

/**
 * The whole pipeline in one process on embedded defaults: cloud on SQLite, a gateway with its
 * aedes broker, Modbus and DL/T 645 lines and watch listener, and the compound's simulated devices
 * on their real protocols over loopback (RS-485 lines through simulated serial device servers, so
 * no serial port is needed), all on one virtual clock the scenario advances hour by hour.
 */
export async function runDemoScenario(o: DemoOptions): Promise<DemoResult> {
  // A throwaway run: on Linux its databases live in memory (tmpfs), where an fsync costs nothing.
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gridwatch-demo-'));
  const clock = new VirtualClock(DEMO_START);
  const gatewayToken = generateToken();
  const readerToken = generateToken();
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

    // Each device logs in with its own password, as installed devices do; Zigbee ones through the bridge.
    const secrets = { wm101: generateToken(), wm102: generateToken(), wm103: generateToken(), band102: generateToken(), z2m: generateToken() };
    const ports = { mqtt: await freePort(), watch: await freePort(), modbusTcp: await freePort(), meterLine: await freePort(), siteLine: await freePort() };
    const compound = demoCompound({
      start: DEMO_START,
      ports,
      secrets,
      // 10:00 on the second day (the first with --days 2), so the 24 h window closes in the run.
      waterStopsAfterH: Math.min(24 + 10, (o.days - 2) * 24 + 10),
      sosAfterH: 14.5,
      fallAfterH: 20.25,
    });
    const extra = extraHouseholds(o.households);
    const gateway = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-demo',
        dataDir: join(dir, 'gateway'),
        // The virtual clock runs days in a second, so each device sends hundreds of messages a
        // second of wall time: the per-client limit is scaled with it.
        mqtt: { host: '127.0.0.1', port: ports.mqtt, ratePerClient: 100_000, ratePerClientBurst: 100_000, bridges: compound.gateway.bridges },
        // The demo sends the readings itself, once per simulated hour, and the linger never ends
        // in the run. Left to the uplink, a batch sent while the virtual clock races on is
        // followed at once by another of the few readings that came meanwhile, and so on: over a
        // thousand requests of 2 readings, most of the demo's time.
        cloud: { url: cloud.url, token: gatewayToken.token, readingsLinger: '365d' },
        devices: [...compound.gateway.devices!, ...extra.gateway],
        modbus: compound.gateway.modbus,
        dlt645: compound.gateway.dlt645,
        watch: compound.gateway.watch,
      }),
      { clock, logger: o.logger.child({ component: 'gateway' }) },
    );
    closers.unshift(() => gateway.close());

    const simulation = await startSimulation(simulateConfigSchema.parse({ ...compound.simulate, devices: [...compound.simulate.devices!, ...extra.simulate] }), {
      clock,
      logger: o.logger.child({ component: 'simulator' }),
    });
    closers.unshift(() => simulation.stop());
    const byProtocol = simulation.devices.reduce<Record<string, number>>((n, d) => ({ ...n, [d.protocol]: (n[d.protocol] ?? 0) + 1 }), {});
    o.progress(
      `${o.households} households and a construction site: ${simulation.devices.length} devices (${Object.entries(byProtocol)
        .map(([p, n]) => `${n} ${p}`)
        .join(', ')})`,
    );
    o.progress(`the story (ticket, grade, why; times in ${DEMO_TIME_ZONE}, ${localTime(DEMO_START).slice(-6)}):\n  ${compound.story.join('\n  ')}`);

    const end = DEMO_START + o.days * 24 * HOUR;
    let ticketsSoFar = 0;
    while (clock.now() < end) {
      await clock.advance(HOUR);
      await gateway.uplink.idle();
      // The hour's readings in one batch, sent while virtual time stands still (see readingsLinger).
      gateway.readingsUplink?.kick();
      await gateway.readingsUplink?.idle();
      if ((clock.now() - DEMO_START) % (6 * HOUR) === 0) {
        const tickets = await cloud.store.listTickets({});
        const status = gateway.status();
        const news = tickets.length > ticketsSoFar ? `  <- ${tickets.slice(ticketsSoFar).map((t) => `${t.rule} for ${t.householdId}`).join(', ')}` : '';
        ticketsSoFar = tickets.length;
        o.progress(`${localTime(clock.now())}  readings ${String(readingsOf(status)).padStart(6)}  outbox ${status.outbox.pending}  tickets ${tickets.length}${news}`);
      }
    }
    await drain(clock, gateway);

    const response = await fetch(new URL('/v1/tickets', cloud.url), { headers: { authorization: `Bearer ${readerToken.token}` } });
    if (!response.ok) throw new Error(`GET /v1/tickets answered ${response.status}: ${await response.text()}`);
    const { tickets } = (await response.json()) as { tickets: Ticket[] };
    const status = gateway.status();
    return {
      tickets,
      readings: readingsOf(status),
      alerts: status.uplink.delivered,
      alertsByKind: await cloud.store.countAlerts(),
      story: compound.story,
      sites: new Set(compound.sites),
    };
  } finally {
    for (const close of closers) await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Readings from every driver: MQTT, polled lines, wristbands. */
function readingsOf(status: GatewayStatus): number {
  return status.mqtt.readings + status.polled.reduce((n, p) => n + p.counters.readings, 0) + (status.watch?.readings ?? 0);
}

/** Normal households beyond the compound's three: a water meter (own login) and a Zigbee door contact each. */
function extraHouseholds(households: number) {
  const ns = Array.from({ length: Math.max(0, households - 3) }, (_, i) => i + 4);
  const secrets = new Map(ns.map((n) => [n, generateToken()]));
  return {
    gateway: ns.flatMap((n) => [
      { id: `wm-${100 + n}`, householdId: householdId(n), profile: 'generic/mqtt-water-flow', mqttPasswordSha256: secrets.get(n)!.sha256 },
      { id: `door-${100 + n}`, householdId: householdId(n), profile: 'aqara/mccgq11lm', topicName: `${householdId(n)} front door` },
    ]),
    simulate: ns.flatMap((n) => [
      { id: `wm-${100 + n}`, kind: 'water' as const, seed: 100 + n, initialVolumeL: 1_000 * n, password: secrets.get(n)!.token },
      { id: `door-${100 + n}`, kind: 'door' as const, seed: 100 + n, bridge: 'z2m', topicName: `${householdId(n)} front door` },
    ]),
  };
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
