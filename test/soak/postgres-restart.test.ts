import { DATABASE_RETRY_AFTER_S } from '../../cloud/http/server.js';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, describe, expect, test } from 'vitest';
import { systemClock } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';
import { generateToken } from '../../lib/tokens.js';
import { cloudConfigSchema } from '../../cloud/config.js';
import { startCloud } from '../../cloud/main.js';
import { gatewayConfigSchema } from '../../gateway/config.js';
import { startGateway } from '../../gateway/main.js';
import { createTestSchema, type TestSchema } from '../support/pg-schema.js';
import { requireService } from '../support/services.js';
import { makeTempDir } from '../support/temp-dir.js';

const BUTTONS = 100;
const METERS = 200;
/** Each button presses again this long after its PUBACK (so no two presses share a millisecond). */
const PRESS_GAP_MS = 200;
/** Each meter reports again this long after its PUBACK. */
const READING_GAP_MS = 100;
const LOAD_MS = 20_000;
/** Load before the restart, between the outages, and after the last one. */
const RESTART_AT_MS = 4_000;
const STOP_AT_MS = 11_000;
const STOPPED_MS = 3_000;
const DRAIN_TIMEOUT_MS = 40_000;
const CATCH_UP_TIMEOUT_MS = 90_000;

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const buttonId = (i: number) => `sos-${String(i).padStart(3, '0')}`;
const meterId = (i: number) => `wm-${String(i).padStart(3, '0')}`;

const databaseUrl = requireService('DATABASE_URL');

/**
 * The cluster CI runs, `<version> main`, with the version found under /etc/postgresql as .ci/run
 * finds it. Without it (PostgreSQL elsewhere) the suite cannot restart the server: skipped
 * locally, failed on CI.
 */
function findClusterVersion(): string | undefined {
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort() : [];
  if (versions.length > 0) return versions[0];
  if (databaseUrl !== undefined && process.env.CI === 'true') {
    throw new Error('no PostgreSQL cluster under /etc/postgresql to restart: this suite needs one, and on CI (CI=true) it may not be skipped');
  }
  return undefined;
}
const clusterVersion = findClusterVersion();

async function pgCtl(action: 'restart' | 'stop' | 'start'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', clusterVersion!, 'main', action], { timeout: 60_000 });
}

/** Resolves once a new connection to `url` can run a statement; throws after `timeoutMs`. */
async function waitForPostgres(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL does not accept connections after ${timeoutMs} ms: ${(err as Error).message}`);
      await sleep(100);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** A logger that keeps the messages of level error and above (what would be a 500 or a crash). */
function errorCollectingLogger(errors: string[]): Logger {
  return pino(
    { level: 'error' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        errors.push(`${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`.slice(0, 300));
      },
    },
  );
}

const cleanups: Array<() => Promise<unknown> | void> = [];
afterAll(async () => {
  // The cluster first: other suites and CI need it whatever happened here.
  let restarted: unknown;
  if (databaseUrl !== undefined && clusterVersion !== undefined) {
    try {
      await pgCtl('start');
    } catch {
      // Already running: pg_ctlcluster start says so with a non-zero exit.
    }
    try {
      await waitForPostgres(databaseUrl, 30_000);
    } catch (err) {
      restarted = err;
    }
  }
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // Keep closing the rest.
    }
  }
  if (restarted) throw restarted;
}, 90_000);

describe.skipIf(databaseUrl === undefined || clusterVersion === undefined)(`PostgreSQL restarted under load (${BUTTONS} SOS buttons, ${METERS} water meters)`, () => {
  test('ingest answers 503 while it is down, and nothing acknowledged is lost', { timeout: 400_000 }, async () => {
    const url = databaseUrl!;
    const schema: TestSchema = await createTestSchema(url, 'gw_pgrestart');
    cleanups.push(() => schema.drop());
    const inSchema = new URL(url);
    inSchema.searchParams.set('options', `-c search_path=${schema.name}`);

    // Removed in afterAll, after the gateway has closed it (vitest's workers may not reach 'exit').
    const temp = makeTempDir('gridwatch-pg-restart-');
    cleanups.push(() => temp.remove());
    const dir = temp.path;
    const gatewayToken = generateToken();
    const z2m = generateToken();
    const meterBridge = generateToken();
    const cloudErrors: string[] = [];
    const cloud = await startCloud(
      cloudConfigSchema.parse({
        http: { host: '127.0.0.1', port: 0 },
        databaseUrl: inSchema.toString(),
        sqlitePath: join(dir, 'unused.sqlite'),
        gateways: [{ id: 'gw-pg', tokenSha256: gatewayToken.sha256 }],
      }),
      { clock: systemClock, logger: errorCollectingLogger(cloudErrors) },
    );
    cleanups.push(() => cloud.close());

    const gatewayErrors: string[] = [];
    const gw = await startGateway(
      gatewayConfigSchema.parse({
        gatewayId: 'gw-pg',
        dataDir: join(dir, 'gateway'),
        mqtt: {
          host: '127.0.0.1',
          port: 0,
          ratePerClient: 1_000_000,
          ratePerClientBurst: 1_000_000,
          bridges: [
            { username: 'zigbee2mqtt', passwordSha256: z2m.sha256, topics: ['zigbee2mqtt/#'] },
            { username: 'meters', passwordSha256: meterBridge.sha256, topics: ['gridwatch/#'] },
          ],
        },
        cloud: { url: cloud.url, token: gatewayToken.token, retryInitial: '250ms', retryMax: '2s', requestTimeout: '5s', readingsLinger: '500ms' },
        devices: [
          ...Array.from({ length: BUTTONS }, (_, i) => ({ id: buttonId(i), householdId: `hh-${i}`, profile: 'tuya/ts0215a-sos', topicName: buttonId(i) })),
          ...Array.from({ length: METERS }, (_, i) => ({ id: meterId(i), householdId: `hh-${i}`, profile: 'generic/mqtt-water-flow' })),
        ],
      }),
      { clock: systemClock, logger: errorCollectingLogger(gatewayErrors) },
    );
    cleanups.push(() => gw.close());

    const broker = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const z2mClient = await mqtt.connectAsync(broker, { clientId: 'zigbee2mqtt', username: 'zigbee2mqtt', password: z2m.token });
    const meterClients: MqttClient[] = [];
    for (let c = 0; c < 4; c++) meterClients.push(await mqtt.connectAsync(broker, { clientId: `meters-${c}`, username: 'meters', password: meterBridge.token }));
    cleanups.push(() => Promise.all([z2mClient, ...meterClients].map((c) => c.endAsync())));

    // What the cloud and the gateway say, sampled through both outages. Each outage keeps its own
    // figures, from its command until the gateway has caught up after it.
    interface Outage {
      kind: string;
      startedAt: number;
      /** When PostgreSQL accepted connections again. */
      backAt: number | null;
      caughtUpAt: number | null;
      healthz503: number;
      first503At: number | null;
      last503At: number | null;
      maxAlertsPending: number;
      maxReadingsQueued: number;
      uplinkErrors: Set<string>;
    }
    const outages: Outage[] = [];
    const healthz = { ok: 0, unavailable: 0, other: [] as string[] };
    const uplinkErrors = new Map<string, number>();
    let maxFailures = 0;
    let observing = true;
    // /healthz often (a restart may leave PostgreSQL unreachable for well under a second)...
    const healthzProbe = (async () => {
      while (observing) {
        const current = outages.find((o) => o.caughtUpAt === null);
        try {
          const res = await fetch(`${cloud.url}/healthz`, { signal: AbortSignal.timeout(6_000) });
          const body = (await res.json()) as { error?: string };
          if (res.status === 200) healthz.ok++;
          else if (res.status === 503 && body.error === 'database_unavailable' && res.headers.get('retry-after') === String(DATABASE_RETRY_AFTER_S)) {
            healthz.unavailable++;
            if (current) {
              current.healthz503++;
              current.first503At ??= performance.now();
              current.last503At = performance.now();
            }
          } else healthz.other.push(`${res.status} ${JSON.stringify(body)}`);
        } catch (err) {
          healthz.other.push(`no answer: ${(err as Error).message}`);
        }
        await sleep(25);
      }
    })();
    // ... and the gateway's status every 100 ms (its lastError stays until the next success).
    const statusProbe = (async () => {
      while (observing) {
        const current = outages.find((o) => o.caughtUpAt === null);
        const s = gw.status();
        for (const e of [s.uplink.lastError, s.readings.uplink?.lastError ?? null]) {
          if (e === null) continue;
          const key = e.slice(0, 160);
          uplinkErrors.set(key, (uplinkErrors.get(key) ?? 0) + 1);
          current?.uplinkErrors.add(key);
        }
        maxFailures = Math.max(maxFailures, s.uplink.consecutiveFailures, s.readings.uplink?.consecutiveFailures ?? 0);
        if (current) {
          current.maxAlertsPending = Math.max(current.maxAlertsPending, s.outbox.pending);
          current.maxReadingsQueued = Math.max(current.maxReadingsQueued, s.readings.queued);
          // Caught up: no more waiting than one batch of each lane, as under normal load.
          if (current.backAt !== null && s.outbox.pending < 100 && s.readings.queued <= 2_000 && s.uplink.consecutiveFailures === 0 && (s.readings.uplink?.consecutiveFailures ?? 0) === 0) {
            current.caughtUpAt = performance.now();
          }
        }
        await sleep(100);
      }
    })();

    // The load: every button presses and every meter reports, QoS 1, each waiting for its PUBACK.
    const pressesAcked = new Array<number>(BUTTONS).fill(0);
    let readingsAcked = 0;
    let loading = true;
    const publishFailures: string[] = [];
    const publish = async (client: MqttClient, topic: string, payload: string) => {
      for (;;) {
        try {
          await client.publishAsync(topic, payload, { qos: 1 });
          return;
        } catch (err) {
          publishFailures.push((err as Error).message);
          await sleep(100);
        }
      }
    };
    const buttons = Array.from({ length: BUTTONS }, async (_, i) => {
      await sleep((i * PRESS_GAP_MS) / BUTTONS);
      while (loading) {
        // No battery field: the press is an event only, so it does not go to the readings lane.
        await publish(z2mClient, `zigbee2mqtt/${buttonId(i)}`, '{"action":"emergency","linkquality":80}');
        pressesAcked[i]!++;
        await sleep(PRESS_GAP_MS);
      }
    });
    const meters = Array.from({ length: METERS }, async (_, i) => {
      await sleep((i * READING_GAP_MS) / METERS);
      let total = 1_000 + i;
      while (loading) {
        total += 0.5;
        await publish(meterClients[i % meterClients.length]!, `gridwatch/${meterId(i)}/water`, `{"total_l":${total.toFixed(1)}}`);
        readingsAcked++;
        await sleep(READING_GAP_MS);
      }
    });

    // Should the test fail half-way, the probes and the load stop before the gateway closes.
    cleanups.push(() => {
      observing = false;
      loading = false;
    });

    // The outages, in the middle of the load: a restart, then a stop, a few seconds down, a start.
    const started = performance.now();
    const at = () => performance.now() - started;
    const rejectedNow = async () => rejectedCounts(await (await fetch(`${cloud.url}/metrics`)).text());
    const ingest503 = new Array<{ alerts: number; readings: number }>();
    const outage = async (kind: string, act: () => Promise<void>) => {
      const before = await rejectedNow();
      const o: Outage = { kind, startedAt: performance.now(), backAt: null, caughtUpAt: null, healthz503: 0, first503At: null, last503At: null, maxAlertsPending: 0, maxReadingsQueued: 0, uplinkErrors: new Set() };
      outages.push(o);
      await act();
      await waitForPostgres(url, 30_000);
      o.backAt = performance.now();
      // The gateway's 503s come back after its Retry-After: count them once it has caught up. The
      // next outage waits for that too, or its 503s would be this one's (a busy machine took 29 s
      // to work off a backlog of 3,000 alerts); the deadline only stops a hang.
      while (o.caughtUpAt === null && performance.now() - o.backAt < CATCH_UP_TIMEOUT_MS) await sleep(100);
      const after = await rejectedNow();
      ingest503.push({
        alerts: after.unavailable('/v1/ingest/alerts') - before.unavailable('/v1/ingest/alerts'),
        readings: after.unavailable('/v1/ingest/readings') - before.unavailable('/v1/ingest/readings'),
      });
    };
    await sleep(RESTART_AT_MS);
    const acceptedBefore = { presses: sum(pressesAcked), readings: readingsAcked };
    await outage('restart', () => pgCtl('restart'));
    await sleep(Math.max(0, STOP_AT_MS - at()));
    await outage('stop, start', async () => {
      await pgCtl('stop');
      await sleep(STOPPED_MS);
      await pgCtl('start');
    });
    await sleep(Math.max(1_000, LOAD_MS - at()));
    loading = false;
    await Promise.all([...buttons, ...meters]);
    const loadS = at() / 1000;

    // Back: the gateway delivers what it kept.
    const drainStart = performance.now();
    const drained = () => {
      const s = gw.status();
      return s.outbox.pending === 0 && s.readings.queued === 0 && s.readings.pending === 0;
    };
    while (!drained() && performance.now() - drainStart < DRAIN_TIMEOUT_MS) await sleep(100);
    const drainS = (performance.now() - drainStart) / 1000;
    observing = false;
    await Promise.all([healthzProbe, statusProbe]);
    const status = gw.status();

    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    const { rejected, unavailable } = rejectedCounts(metrics);
    const cloudDuplicateAlerts = Number(/^gridwatch_ingest_duplicates_total\{kind="alerts"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);

    const db = new pg.Client({ connectionString: inSchema.toString() });
    await db.connect();
    let perDevice: Map<string, number>;
    let duplicateOpenTickets: unknown[];
    let openSosTickets: number;
    let alertsWithoutTicket: number;
    let ticketAlertCount: number;
    let rolled: number;
    let committedSeq: number;
    try {
      perDevice = new Map(
        (await db.query<{ d: string; n: string }>("SELECT device_id AS d, COUNT(*) AS n FROM alerts WHERE rule = 'sos' GROUP BY device_id")).rows.map((r) => [r.d, Number(r.n)]),
      );
      duplicateOpenTickets = (await db.query("SELECT household_id, rule, COUNT(*) AS n FROM tickets WHERE state = 'open' GROUP BY household_id, rule HAVING COUNT(*) > 1")).rows;
      openSosTickets = Number((await db.query("SELECT COUNT(*) AS n FROM tickets WHERE state = 'open' AND rule = 'sos'")).rows[0].n);
      alertsWithoutTicket = Number((await db.query('SELECT COUNT(*) AS n FROM alerts WHERE ticket_id IS NULL')).rows[0].n);
      ticketAlertCount = Number((await db.query("SELECT COALESCE(SUM(alert_count), 0) AS n FROM tickets WHERE rule = 'sos'")).rows[0].n);
      rolled = Number((await db.query("SELECT COALESCE(SUM(sample_count), 0) AS n FROM reading_rollups_hourly WHERE metric = 'volume_l'")).rows[0].n);
      committedSeq = Number((await db.query("SELECT COALESCE(MAX(committed_seq), 0) AS n FROM reading_streams WHERE gateway_id = 'gw-pg'")).rows[0].n);
    } finally {
      await db.end();
    }

    const presses = sum(pressesAcked);
    const alerts = sum([...perDevice.values()]);
    const lost = pressesAcked.reduce((n, a, i) => n + Math.max(0, a - (perDevice.get(buttonId(i)) ?? 0)), 0);
    // Frames the gateway read that carried values (the presses carry none): what its readings lane took.
    const readingsRead = status.mqtt.readings - presses;
    process.stdout.write(
      `postgres restart: ${JSON.stringify({
        presses,
        alerts,
        duplicates: alerts - presses,
        lost,
        cloudDuplicateAlerts,
        readings: readingsAcked,
        readingsRead,
        readingsRolledUp: rolled,
        readingsDropped: status.readings.dropped,
        committedSeq,
        served503: { alerts: unavailable('/v1/ingest/alerts'), readings: unavailable('/v1/ingest/readings'), healthz: unavailable('/healthz') },
        internalErrors: rejected.filter((r) => r.reason === 'internal_error').reduce((n, r) => n + r.n, 0),
        outages: outages.map((o, i) => ({
          kind: o.kind,
          downS: seconds(o.backAt! - o.startedAt),
          healthz503: o.healthz503,
          healthz503S: o.first503At === null ? 0 : seconds(o.last503At! - o.first503At),
          ingest503: ingest503[i],
          maxAlertsPending: o.maxAlertsPending,
          maxReadingsQueued: o.maxReadingsQueued,
          caughtUpS: o.caughtUpAt === null ? null : seconds(o.caughtUpAt - o.backAt!),
        })),
        maxUplinkFailures: maxFailures,
        loadS: seconds(loadS * 1000),
        acceptedBeforeRestart: acceptedBefore,
        drainAfterLoadS: seconds(drainS * 1000),
      })}\n`,
    );
    if (cloudErrors.length + gatewayErrors.length + healthz.other.length + publishFailures.length > 0 || process.env.PG_RESTART_VERBOSE) {
      process.stdout.write(
        `postgres restart, details: ${JSON.stringify({ cloudErrors: cloudErrors.slice(0, 5), gatewayErrors: gatewayErrors.slice(0, 5), healthzOther: healthz.other.slice(0, 5), publishFailures: publishFailures.slice(0, 5), uplinkErrors: [...uplinkErrors].slice(0, 8), rejected })}\n`,
      );
    }

    // The outages happened under load, and were seen as what they are: 503, never 500, never silence.
    expect(outages.map((o) => o.caughtUpAt !== null)).toEqual([true, true]);
    for (const [i, o] of outages.entries()) {
      expect(o.healthz503, `${o.kind}: /healthz answered 503`).toBeGreaterThan(0);
      expect(ingest503[i]!.alerts + ingest503[i]!.readings, `${o.kind}: ingest answered 503`).toBeGreaterThan(0);
      expect([...o.uplinkErrors].some((e) => /503.*database_unavailable/.test(e)), `${o.kind}: the gateway saw the 503`).toBe(true);
    }
    expect(acceptedBefore.presses).toBeGreaterThan(0);
    expect(acceptedBefore.readings).toBeGreaterThan(0);
    expect(healthz.unavailable).toBeGreaterThan(0);
    expect(healthz.other).toEqual([]);
    expect(unavailable('/v1/ingest/alerts') + unavailable('/v1/ingest/readings')).toBeGreaterThan(0);
    expect(rejected.filter((r) => r.reason !== 'database_unavailable')).toEqual([]);
    expect([...uplinkErrors.keys()].some((e) => /503.*database_unavailable/.test(e))).toBe(true);
    expect(cloudErrors).toEqual([]);
    expect(gatewayErrors).toEqual([]);
    expect(publishFailures).toEqual([]);

    // Afterwards: drained, and everything acknowledged is in PostgreSQL.
    expect(status.outbox).toEqual({ pending: 0, rejected: 0 });
    expect(status.readings.queued).toBe(0);
    expect(status.cloudUnreachableSince).toBeNull();
    expect(lost).toBe(0);
    expect(perDevice.size).toBe(BUTTONS);
    expect(openSosTickets).toBe(BUTTONS);
    expect(duplicateOpenTickets).toEqual([]);
    expect(alertsWithoutTicket).toBe(0);
    expect(ticketAlertCount).toBe(alerts);
    expect(readingsRead).toBe(readingsAcked);
    expect(status.readings.uplink?.refused).toBe(0);
    expect(rolled + status.readings.dropped).toBe(readingsAcked);
    expect(committedSeq).toBe(readingsAcked);
  });
});

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** gridwatch_rejected_requests_total, by route and reason, from /metrics. */
function rejectedCounts(metrics: string) {
  const rejected = [...metrics.matchAll(/^gridwatch_rejected_requests_total\{route="([^"]*)",reason="([^"]*)"\} (\d+)$/gm)].map((m) => ({ route: m[1]!, reason: m[2]!, n: Number(m[3]) }));
  const unavailable = (route: string) => rejected.filter((r) => r.route === route && r.reason === 'database_unavailable').reduce((n, r) => n + r.n, 0);
  return { rejected, unavailable };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
