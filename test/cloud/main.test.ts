import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { makeAlert } from './fixtures.js';
import { startTestCloud } from './start-test-cloud.js';

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('startCloud', () => {
  test('listens on a free port and logs one line with its url and dialect', async () => {
    const { logger, lines } = memoryLogger();
    const t = await startTestCloud({}, logger);
    try {
      expect(t.cloud.port).toBeGreaterThan(0);
      expect(t.cloud.url).toBe(`http://127.0.0.1:${t.cloud.port}`);
      expect(lines.filter((l) => l.msg === 'cloud listening')).toEqual([
        expect.objectContaining({ url: t.cloud.url, dialect: 'sqlite' }),
      ]);
    } finally {
      await t.close();
    }
  });

  test('close stops listening and may be called twice', async () => {
    const t = await startTestCloud();
    const url = t.cloud.url;
    await t.cloud.close();
    await t.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  test('a restart on the same database keeps tickets and still knows every alert id', async () => {
    const first = await startTestCloud();
    const alert = makeAlert();
    const created = (await (await first.postAlerts({ alerts: [alert] }, first.tokens.gw1)).json()) as { results: { ticketId: string }[] };
    await first.cloud.close();

    const second = await startTestCloud({ sqlitePath: first.sqlitePath });
    try {
      const again = await second.postAlerts({ alerts: [alert] }, second.tokens.gw1);
      const { results } = (await again.json()) as { results: unknown[] };
      expect(results).toEqual([{ alertId: alert.id, status: 'duplicate', ticketId: created.results[0]!.ticketId }]);
      expect(await second.cloud.store.listTickets()).toHaveLength(1);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
