import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { makeAlert, readingRange } from './fixtures.js';
import { startTestCloud } from './start-test-cloud.js';

function memoryLogger(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
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

  test('requests are logged at debug (method, url, status, time); a rejection at warn; at info only what a reader needs', async () => {
    const { logger, lines } = memoryLogger('debug');
    const t = await startTestCloud({}, logger);
    const startup = lines.length;
    try {
      expect((await t.postReadings({ stream: 'stream-logs', readings: readingRange(1, 10) }, t.tokens.gw1)).status).toBe(200);
      expect((await t.postAlerts({ alerts: [makeAlert()] }, t.tokens.gw1)).status).toBe(200);
      expect((await t.get('/v1/tickets', t.tokens.reader)).status).toBe(200);
      expect((await t.postAlerts({ alerts: [] }, 'not-a-token')).status).toBe(401);
    } finally {
      await t.close();
    }
    const at = (level: number) => lines.slice(startup).filter((l) => l.level === level).map((l) => l.msg);
    expect(at(30)).toEqual(['alerts ingested']);
    expect(at(40)).toHaveLength(1);
    expect(lines.find((l) => l.level === 40)).toMatchObject({ status: 401, error: 'unauthorized', method: 'POST', url: '/v1/ingest/alerts' });
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => l.level)).toEqual([20, 20, 20, 20]);
    expect(completed.map((l) => (l.res as { statusCode: number }).statusCode)).toEqual([200, 200, 200, 401]);
    for (const l of completed) expect(l).toMatchObject({ reqId: expect.any(String), responseTime: expect.any(Number) });
    expect(lines.filter((l) => l.msg === 'incoming request').map((l) => (l.req as { url: string }).url)).toEqual([
      '/v1/ingest/readings',
      '/v1/ingest/alerts',
      '/v1/tickets',
      '/v1/ingest/alerts',
    ]);
  });

  test('a token put in the query string never reaches the log (issue 12 item 13)', async () => {
    const { logger, lines } = memoryLogger('debug');
    const t = await startTestCloud({}, logger);
    try {
      expect((await t.get(`/v1/tickets?state=open&token=${t.tokens.reader}&access_token=${t.tokens.gw1}`, 'not-a-token')).status).toBe(401);
    } finally {
      await t.close();
    }
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(t.tokens.reader);
    expect(logged).not.toContain(t.tokens.gw1);
    expect(lines.find((l) => l.level === 40)).toMatchObject({ status: 401, url: '/v1/tickets?state=open&token=[redacted]&access_token=[redacted]' });
  });

  test('a cloud whose config accepts an example token of examples/ says so at start (issue 12 item 13)', async () => {
    const { logger, lines } = memoryLogger();
    const t = await startTestCloud({ readers: [{ name: 'console', tokenSha256: '95541542a6a272e2d2cf16a9aaa3be5757f75ca16bec2831fb7f755d931e869c' }] }, logger);
    await t.close();
    expect(lines.filter((l) => l.level === 40).map((l) => l.keys)).toEqual([['readers[0].tokenSha256']]);
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
