import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ticketSchema } from '../../../cloud/alerts/ticket.js';
import { errorBodySchema } from '../../../contract/ingest-wire.js';
import { makeAlert } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

let t: TestCloud;
beforeAll(async () => {
  t = await startTestCloud();
  const res = await t.postAlerts(
    { alerts: [makeAlert({ householdId: 'hh-1' }), makeAlert({ householdId: 'hh-2' }), makeAlert({ householdId: 'hh-2', rule: 'sos', grade: 'P1' })] },
    t.tokens.gw1,
  );
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/tickets', () => {
  test('a reader gets the tickets, filtered', async () => {
    const res = await t.get('/v1/tickets?householdId=hh-2', t.tokens.reader);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tickets: unknown[] };
    const tickets = body.tickets.map((x) => ticketSchema.strict().parse(x));
    expect(tickets.map((x) => x.rule).sort()).toEqual(['no-water-use', 'sos']);

    const sos = (await (await t.get('/v1/tickets?rule=sos&state=open&limit=5', t.tokens.reader)).json()) as { tickets: { grade: string }[] };
    expect(sos.tickets.map((x) => x.grade)).toEqual(['P1']);
  });

  test('a gateway token is refused with 401: gateways do not read tickets', async () => {
    const res = await t.get('/v1/tickets', t.tokens.gw1);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(errorBodySchema.parse(await res.json()).error).toBe('unauthorized');
  });

  test('no token: 401', async () => {
    expect((await t.get('/v1/tickets')).status).toBe(401);
  });

  test('a bad parameter: 400 naming it', async () => {
    for (const [query, path] of [
      ['state=done', 'state'],
      ['limit=501', 'limit'],
      ['limit=ten', 'limit'],
      ['householdId=a%20b', 'householdId'],
    ] as const) {
      const res = await t.get(`/v1/tickets?${query}`, t.tokens.reader);
      expect(res.status, query).toBe(400);
      const body = errorBodySchema.parse(await res.json());
      expect(body.error).toBe('invalid_query');
      expect(body.issues?.map((i) => i.path), query).toEqual([path]);
      expect(body.message).toContain(`${path}: `);
    }
  });

  test('a misspelt parameter is refused rather than ignored', async () => {
    const res = await t.get('/v1/tickets?status=open', t.tokens.reader);
    expect(res.status).toBe(400);
    const body = errorBodySchema.parse(await res.json());
    expect(body.issues).toEqual([{ path: 'status', message: 'unknown parameter' }]);
    expect(body.message).toContain('status: unknown parameter');
  });
});
