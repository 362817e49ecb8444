import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '../../../contract/alert.js';
import { ingestAlertsResponseSchema } from '../../../contract/ingest-wire.js';
import { T0 } from '../fixtures.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

let t: TestCloud;
let db: Database.Database;
beforeAll(async () => {
  t = await startTestCloud({ bodyLimitBytes: 1_048_576 });
  db = new Database(t.sqlitePath, { readonly: true });
});
afterAll(async () => {
  db.close();
  await t.close();
});

let run = 0;

/** Alerts a gateway could raise: per household and rule, episodes of a raise and maybe its clear. */
const alertsArb = fc
  .array(fc.record({ household: fc.integer({ min: 0, max: 3 }), rule: fc.constantFrom('sos', 'no-water-use', 'fall'), cleared: fc.boolean(), grade: fc.constantFrom('P1', 'P2', 'P3') }), {
    minLength: 1,
    maxLength: 25,
  })
  .map((episodes) => {
    run++;
    const alerts: Alert[] = [];
    episodes.forEach((e, n) => {
      const base = { gatewayId: 'gw-1', householdId: `hh-r${run}-${e.household}`, deviceId: `dev-${e.household}`, rule: e.rule, grade: e.grade as Alert['grade'], summary: 's', details: {} };
      alerts.push({ ...base, id: `gw-1:${e.rule}:r${run}-${e.household}:${n}:raise`, kind: 'raise', at: new Date(T0 + n * 1_000).toISOString() });
      if (e.cleared) alerts.push({ ...base, id: `gw-1:${e.rule}:r${run}-${e.household}:${n}:clear`, kind: 'clear', at: new Date(T0 + n * 1_000 + 500).toISOString() });
    });
    return { run, alerts };
  });

/**
 * The network and the gateway's retries at their worst: every alert delivered 1-5 times, in any
 * order, in batches of any size. The cloud must keep each alert id once, link it to one ticket,
 * and keep one ticket per household and rule.
 */
describe('alerts repeated 1-5 times and shuffled', () => {
  test('the cloud holds each alert id once, counted once on one ticket; one ticket per household and rule', async () => {
    await fc.assert(
      fc.asyncProperty(
        alertsArb.chain(({ run, alerts }) =>
          fc.record({
            run: fc.constant(run),
            alerts: fc.constant(alerts),
            schedule: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: alerts.length, maxLength: alerts.length }).chain((repeats) =>
              fc.shuffledSubarray(
                alerts.flatMap((a, i) => Array.from({ length: repeats[i]! }, () => a)),
                { minLength: repeats.reduce((x, y) => x + y, 0) },
              ),
            ),
            batch: fc.integer({ min: 1, max: 20 }),
          }),
        ),
        async ({ run, alerts, schedule, batch }) => {
          const ticketOf = new Map<string, string | null>();
          for (let i = 0; i < schedule.length; i += batch) {
            const res = await t.postAlerts({ alerts: schedule.slice(i, i + batch) }, t.tokens.gw1);
            expect(res.status).toBe(200);
            for (const r of ingestAlertsResponseSchema.parse(await res.json()).results) {
              // Whenever it comes again, an alert is answered with the ticket its first delivery got.
              if (ticketOf.has(r.alertId)) expect(r.ticketId).toBe(ticketOf.get(r.alertId));
              else ticketOf.set(r.alertId, r.ticketId);
            }
          }
          const like = `hh-r${run}-%`;
          const stored = db.prepare('SELECT id, ticket_id AS t FROM alerts WHERE household_id LIKE ?').all(like) as Array<{ id: string; t: string | null }>;
          const tickets = db.prepare('SELECT household_id AS h, rule, alert_count + clear_count AS n FROM tickets WHERE household_id LIKE ?').all(like) as Array<{ h: string; rule: string; n: number }>;
          const distinct = new Set(alerts.map((a) => a.id));
          expect(stored.map((s) => s.id).sort()).toEqual([...distinct].sort());
          // Every raise is on a ticket; every alert on a ticket is counted there exactly once.
          const linked = stored.filter((s) => s.t !== null);
          for (const a of alerts.filter((x) => x.kind === 'raise')) expect(linked.some((s) => s.id === a.id)).toBe(true);
          expect(tickets.reduce((n, x) => n + x.n, 0)).toBe(linked.length);
          // One ticket per household and rule that had a raise.
          const groups = new Set(alerts.filter((a) => a.kind === 'raise').map((a) => `${a.householdId}/${a.rule}`));
          expect(tickets.map((x) => `${x.h}/${x.rule}`).sort()).toEqual([...groups].sort());
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});
