import { DATABASE_RETRY_AFTER_S } from '../../../cloud/http/server.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isDatabaseUnavailable } from '../../../cloud/db/unavailable.js';
import { errorBodySchema, ingestReadingsResponseSchema } from '../../../contract/ingest-wire.js';
import { makeAlert, readingRange } from '../fixtures.js';
import { startTcpProxy, type TcpProxy } from '../tcp-proxy.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';
import { createTestDatabase, engineAvailable, type TestDatabase } from '../test-db.js';

describe('isDatabaseUnavailable', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  test('connection trouble of every kind is "unavailable"', () => {
    expect(isDatabaseUnavailable(withCode('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('ECONNRESET'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], ''))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('08006'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('SQLITE_BUSY', 'database is locked'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: withCode('ECONNREFUSED') }))).toBe(true);
  });

  test('a bug or a bad statement is not', () => {
    expect(isDatabaseUnavailable(withCode('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isDatabaseUnavailable(withCode('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});

describe.skipIf(!engineAvailable('PostgreSQL'))('PostgreSQL down, cut or restarting', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestCloud;

  beforeAll(async () => {
    database = await createTestDatabase('PostgreSQL');
    // The cloud reaches the fresh schema through a proxy the test can stop and cut.
    const viaProxy = new URL(database.config.databaseUrl!);
    proxy = await startTcpProxy(viaProxy.hostname, Number(viaProxy.port || 5432));
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    t = await startTestCloud({ databaseUrl: viaProxy.toString() });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await database?.drop();
  });

  async function expectDatabaseUnavailable(res: Response) {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(DATABASE_RETRY_AFTER_S));
    const body = errorBodySchema.strict().parse(await res.json());
    expect(body.error).toBe('database_unavailable');
    expect(JSON.stringify(body)).not.toMatch(/ECONN|127\.0\.0\.1|terminated/);
  }

  test('while it refuses connections: 503 database_unavailable on alerts, readings and /healthz; afterwards the resends commit', async () => {
    const readings = { stream: 'stream-pg-down', readings: readingRange(1, 20) };
    const alerts = { alerts: [makeAlert({ householdId: 'hh-pg-down' })] };
    expect((await t.get('/healthz')).status).toBe(200);

    await proxy.down();
    await expectDatabaseUnavailable(await t.postAlerts(alerts, t.tokens.gw1));
    await expectDatabaseUnavailable(await t.postReadings(readings, t.tokens.gw1));
    await expectDatabaseUnavailable(await t.get('/healthz'));
    await expectDatabaseUnavailable(await t.get('/v1/tickets', t.tokens.reader));
    const metrics = await (await t.get('/metrics')).text();
    expect(metrics).toMatch(/^gridwatch_rejected_requests_total\{route="\/v1\/ingest\/alerts",reason="database_unavailable"\} 1$/m);
    expect(metrics).toMatch(/^gridwatch_rejected_requests_total\{route="\/healthz",reason="database_unavailable"\} 1$/m);

    await proxy.up();
    expect((await t.get('/healthz')).status).toBe(200);
    expect((await t.postAlerts(alerts, t.tokens.gw1)).status).toBe(200);
    expect(ingestReadingsResponseSchema.parse(await (await t.postReadings(readings, t.tokens.gw1)).json())).toEqual({ accepted: 20, duplicates: 0, committedSeq: 20 });
    expect((await t.cloud.store.listTickets({ householdId: 'hh-pg-down' })).map((x) => x.alertCount)).toEqual([1]);
  });

  test('a connection cut in the middle of a request (a restart): 503, and the resend commits each reading once', async () => {
    // Warm the pools, then hang the server mid-request and cut it.
    const cut = () => ({ deviceId: 'water-cut' });
    const first = { stream: 'stream-pg-cut', readings: readingRange(1, 10, cut) };
    expect((await t.postReadings(first, t.tokens.gw1)).status).toBe(200);
    const batch = { stream: 'stream-pg-cut', readings: readingRange(11, 30, cut) };
    const pending = Promise.all([t.postReadings(batch, t.tokens.gw1), t.postAlerts({ alerts: [makeAlert({ householdId: 'hh-pg-cut' })] }, t.tokens.gw1)]);
    await proxy.hangThenCut(150);
    const [readingsRes, alertsRes] = await pending;
    await expectDatabaseUnavailable(readingsRes);
    await expectDatabaseUnavailable(alertsRes);

    const resent = await t.postReadings(batch, t.tokens.gw1);
    expect(ingestReadingsResponseSchema.parse(await resent.json())).toEqual({ accepted: 20, duplicates: 0, committedSeq: 30 });
    const rollups = await t.cloud.readings.hourlyRollups({ deviceId: 'water-cut' });
    expect(rollups.filter((r) => r.metric === 'volume_l').reduce((n, r) => n + r.sample_count, 0)).toBe(30);
  });
});
