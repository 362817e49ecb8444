import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorBodySchema, ingestAlertsResponseSchema } from '../../../contract/ingest-wire.js';
import { T0, makeAlert } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
});
afterAll(async () => {
  await t.close();
});

/** Every error answer has the errorBody shape; returns it parsed. */
async function errorOf(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  return errorBodySchema.strict().parse(await res.json());
}

describe('POST /v1/ingest/alerts', () => {
  test('commits a batch and answers one result per alert, in order', async () => {
    const alerts = [makeAlert(), makeAlert({ rule: 'sos', grade: 'P1' })];
    const res = await t.postAlerts({ alerts }, t.tokens.gw1);
    expect(res.status).toBe(200);
    const body = ingestAlertsResponseSchema.parse(await res.json());
    expect(body.results.map((r) => [r.alertId, r.status])).toEqual(alerts.map((a) => [a.id, 'created']));
  });

  test('a resend is answered as duplicate with the same ticket, and opens nothing new', async () => {
    const alerts = [makeAlert({ householdId: 'hh-resend' })];
    const first = ingestAlertsResponseSchema.parse(await (await t.postAlerts({ alerts }, t.tokens.gw1)).json());
    const again = ingestAlertsResponseSchema.parse(await (await t.postAlerts({ alerts }, t.tokens.gw1)).json());
    expect(again.results).toEqual([{ alertId: alerts[0]!.id, status: 'duplicate', ticketId: first.results[0]!.ticketId }]);
    expect(await t.cloud.store.listTickets({ householdId: 'hh-resend' })).toHaveLength(1);
  });

  test("gw-2 posting gw-1's alert id first: gw-1's real SOS is created with a ticket of its own (issue 12)", async () => {
    const sos = makeAlert({ id: 'gw-1:sos:band-7:1:raise', householdId: 'hh-sos-7', deviceId: 'band-7', rule: 'sos', grade: 'P1' });
    const forged = await t.postAlerts({ alerts: [{ ...sos, gatewayId: 'gw-2', householdId: 'hh-elsewhere' }] }, t.tokens.gw2);
    expect(forged.status).toBe(200);
    const real = ingestAlertsResponseSchema.parse(await (await t.postAlerts({ alerts: [sos] }, t.tokens.gw1)).json());
    expect(real.results).toEqual([{ alertId: sos.id, status: 'created', ticketId: expect.any(String) }]);
    expect(await t.cloud.store.listTickets({ householdId: 'hh-sos-7' })).toMatchObject([{ gatewayId: 'gw-1', rule: 'sos' }]);
  });

  test('a known id with other content: 409 alert_id_conflict naming the alert, nothing committed, counted (issue 12)', async () => {
    const first = makeAlert({ householdId: 'hh-409' });
    await t.postAlerts({ alerts: [first] }, t.tokens.gw1);
    const other = makeAlert({ householdId: 'hh-409-other' });
    const res = await t.postAlerts({ alerts: [other, { ...first, summary: 'another summary' }] }, t.tokens.gw1);
    expect(res.status).toBe(409);
    const body = await errorOf(res);
    expect(body).toMatchObject({ error: 'alert_id_conflict', issues: [{ path: 'alerts[1].id', message: expect.stringContaining('summary') }] });
    expect(body.message).toContain('alerts[1].id');
    expect(await t.cloud.store.listTickets({ householdId: 'hh-409-other' })).toEqual([]);
    const metrics = await (await t.get('/metrics')).text();
    expect(metrics).toMatch(/gridwatch_rejected_requests_total\{route="\/v1\/ingest\/alerts",reason="alert_id_conflict"\} 1/);
  });

  test('without a token: 401 with a Bearer challenge', async () => {
    const res = await t.postAlerts({ alerts: [makeAlert()] });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await errorOf(res)).toMatchObject({ error: 'unauthorized', message: expect.stringContaining('Authorization: Bearer') });
  });

  test('with an unknown token: 401, and the body is not looked at', async () => {
    const res = await t.postAlerts('{not json', 'not-a-real-token');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('invalid_token');
    expect(await errorOf(res)).toMatchObject({ error: 'unauthorized' });
  });

  test("another gateway's alert: 403 naming the alert, and nothing of the batch is committed", async () => {
    const mine = makeAlert({ householdId: 'hh-403' });
    const res = await t.postAlerts({ alerts: [mine, makeAlert({ gatewayId: 'gw-2' })] }, t.tokens.gw1);
    expect(res.status).toBe(403);
    const body = await errorOf(res);
    expect(body.error).toBe('forbidden');
    expect(body.issues).toEqual([{ path: 'alerts[1].gatewayId', message: expect.stringContaining('gw-1') }]);
    expect(body.message).toContain('alerts[1].gatewayId');
    expect(await t.cloud.store.listTickets({ householdId: 'hh-403' })).toEqual([]);
  });

  test('a bad timestamp: 400 naming alerts[0].at in the issues and in the message', async () => {
    const res = await t.postAlerts({ alerts: [makeAlert({ at: 'yesterday' })] }, t.tokens.gw1);
    expect(res.status).toBe(400);
    const body = await errorOf(res);
    expect(body.error).toBe('invalid_body');
    expect(body.issues?.map((i) => i.path)).toEqual(['alerts[0].at']);
    expect(body.message).toMatch(/alerts\[0\]\.at: /);
  });

  test("an SOS stamped year 0, year 9999 or days ahead of the cloud is still taken: its ticket opens at the cloud's time (issue 12)", async () => {
    const times = ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', new Date(T0 + 2 * 86_400_000).toISOString()];
    for (const [i, at] of times.entries()) {
      const res = await t.postAlerts({ alerts: [makeAlert({ householdId: `hh-when-${i}`, rule: 'sos', grade: 'P1', at })] }, t.tokens.gw1);
      expect(res.status, at).toBe(200);
    }
    const tickets = await t.cloud.store.listTickets({});
    for (const i of times.keys()) {
      const ticket = tickets.find((x) => x.householdId === `hh-when-${i}`)!;
      expect(Math.abs(Date.parse(ticket.openedAt) - t.clock.now()), times[i]).toBeLessThan(60_000);
    }
  });

  test('several bad fields are all named', async () => {
    const res = await t.postAlerts({ alerts: [makeAlert({ grade: 'P9' as never }), makeAlert({ householdId: 'a b' })], extra: 1 }, t.tokens.gw1);
    const body = await errorOf(res);
    expect(res.status).toBe(400);
    expect(body.issues?.map((i) => i.path).sort()).toEqual(['alerts[0].grade', 'alerts[1].householdId', 'extra']);
    expect(body.issues?.find((i) => i.path === 'extra')?.message).toBe('unknown field');
  });

  test('malformed JSON: 400 invalid_body', async () => {
    const res = await t.postAlerts('{"alerts": [', t.tokens.gw1);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toEqual({ error: 'invalid_body', message: 'request body is not valid JSON', issues: [{ path: '(root)', message: 'not valid JSON' }] });
  });

  test('an empty body and a JSON body that is not an object: 400 invalid_body', async () => {
    const empty = await t.postAlerts('', t.tokens.gw1);
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).error).toBe('invalid_body');
    const list = await t.postAlerts('[1, 2]', t.tokens.gw1);
    expect(list.status).toBe(400);
    expect(await errorOf(list)).toMatchObject({ error: 'invalid_body', issues: [{ path: '(root)' }] });
  });

  test('a body that is not JSON: 415 in the error shape', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
      const res = await t.postAlerts('alerts=1', t.tokens.gw1, { 'content-type': contentType });
      expect(res.status, contentType).toBe(415);
      expect(await errorOf(res)).toMatchObject({ error: 'unsupported_media_type' });
    }
  });

  test('a body over the limit: 413 naming the limit in bytes', async () => {
    const alerts = Array.from({ length: 30 }, () => makeAlert());
    const res = await t.postAlerts({ alerts }, t.tokens.gw1);
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ error: 'body_too_large', message: expect.stringContaining('4096 bytes') });
  });

  test('an unknown route: 404 in the error shape', async () => {
    const res = await t.get('/v1/nothing-here?token=x', t.tokens.gw1);
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toEqual({ error: 'not_found', message: 'no route for GET /v1/nothing-here' });
  });
});
