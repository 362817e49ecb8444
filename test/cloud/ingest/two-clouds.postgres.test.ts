import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ingestAlertsResponseSchema, ingestReadingsResponseSchema } from '../../../contract/ingest-wire.js';
import { expectedRollups, sortRows } from '../readings/reading-store-suite.js';
import { makeAlert, readingRange } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';
import { createTestDatabase, engineAvailable, type TestDatabase } from '../test-db.js';

describe.skipIf(!engineAvailable('PostgreSQL'))('two cloud instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let a: TestCloud;
  let b: TestCloud;

  beforeAll(async () => {
    database = await createTestDatabase('PostgreSQL');
    const config = { ...database.config, bodyLimitBytes: 1_048_576 };
    a = await startTestCloud(config);
    // Same gateways and tokens, its own pools and HTTP server: a second replica behind the balancer.
    b = await startTestCloud(config, undefined, a.tokens);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  test('racing the same reading batches, they commit each seq once and the rollups count each reading once', async () => {
    const readings = readingRange(1, 3_000, (seq) => ({ deviceId: `water-${seq % 11}`, householdId: `hh-${seq % 11}` }));
    let accepted = 0;
    let duplicates = 0;
    const started = performance.now();
    // Overlapping windows, each sent to both replicas at once, as a gateway's resend after a timeout would be.
    for (let start = 0; start < readings.length; start += 250) {
      const body = { stream: 'stream-race', readings: readings.slice(Math.max(0, start - 100), start + 250) };
      const answers = await Promise.all([a, b].map(async (cloud) => ingestReadingsResponseSchema.parse(await (await cloud.postReadings(body, cloud.tokens.gw1)).json())));
      for (const answer of answers) {
        accepted += answer.accepted;
        duplicates += answer.duplicates;
        expect(answer.committedSeq).toBe(body.readings.at(-1)!.seq);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.info(`two replicas on PostgreSQL: ${readings.length} readings (each sent ${((accepted + duplicates) / readings.length).toFixed(1)} times) in ${seconds.toFixed(2)} s`);

    expect(accepted).toBe(readings.length);
    expect(await a.cloud.readings.committedSeq('gw-1', 'stream-race')).toBe(3_000);
    expect(sortRows([...(await b.cloud.readings.hourlyRollups({}))])).toEqual(expectedRollups('gw-1', readings));
  });

  test('racing the same alert batches, they open each ticket once', async () => {
    const alerts = Array.from({ length: 40 }, (_, i) => makeAlert({ householdId: `hh-race-${i % 10}`, deviceId: `door-${i}` }));
    const results = await Promise.all(
      [a, b, a, b].map(async (cloud) => ingestAlertsResponseSchema.parse(await (await cloud.postAlerts({ alerts }, cloud.tokens.gw1)).json()).results),
    );
    const created = results.flat().filter((r) => r.status === 'created');
    expect(created).toHaveLength(40);
    const tickets = await a.cloud.store.listTickets({ limit: 500 });
    expect(tickets.filter((t) => t.householdId.startsWith('hh-race-')).map((t) => t.alertCount)).toEqual(Array(10).fill(4));
  });
});
