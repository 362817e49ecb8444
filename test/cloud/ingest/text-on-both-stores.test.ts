import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ingestAlertsResponseSchema } from '../../../contract/ingest-wire.js';
import { makeAlert } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';
import { createTestDatabase, testEngines, type TestDatabase } from '../test-db.js';

describe.each(testEngines())('text an alert carries, on %s (issue 12)', (engine) => {
  let t: TestCloud;
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(engine);
    t = await startTestCloud(database.config);
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
  });

  test('a NUL, a line break or a lone surrogate in a summary is cleaned, never a 500; the SOS behind it is committed', async () => {
    const poisoned = makeAlert({ householdId: 'hh-nul', summary: 'SOS\u0000 pressed\nagain \ud800' });
    const sos = makeAlert({ householdId: 'hh-next', rule: 'sos', grade: 'P1', summary: 'SOS pressed' });
    const res = await t.postAlerts({ alerts: [poisoned, sos] }, t.tokens.gw1);
    expect(res.status).toBe(200);
    const body = ingestAlertsResponseSchema.parse(await res.json());
    expect(body.results.map((r) => r.status)).toEqual(['created', 'created']);
    expect(await t.cloud.store.listTickets({ householdId: 'hh-nul' })).toMatchObject([{ summary: 'SOS\ufffd pressed again \ufffd' }]);
    expect(await t.cloud.store.listTickets({ householdId: 'hh-next' })).toMatchObject([{ rule: 'sos' }]);
    // Cleaned the same way each time: a resend is a duplicate, not a conflict.
    const again = await t.postAlerts({ alerts: [poisoned] }, t.tokens.gw1);
    expect(ingestAlertsResponseSchema.parse(await again.json()).results[0]!.status).toBe('duplicate');
  });
});
