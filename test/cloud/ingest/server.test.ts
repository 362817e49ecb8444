import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCloudServer, DATABASE_RETRY_AFTER_S } from '../../../cloud/http/server.js';
import { errorBodySchema } from '../../../contract/ingest-wire.js';
import { silentLogger } from '../../../lib/log.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';

describe('GET /healthz', () => {
  let t: TestCloud;
  beforeAll(async () => {
    t = await startTestCloud();
  });
  afterAll(async () => {
    await t.close();
  });

  test('answers 200 when the database answers, without a token', async () => {
    const res = await t.get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('the server core', () => {
  const app = buildCloudServer({
    bodyLimitBytes: 1024,
    logger: silentLogger(),
    healthCheck: () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2')),
    routes: [
      (a) => {
        a.get('/boom', () => {
          throw new Error('secret detail at /srv/cloud/db.ts:12');
        });
      },
    ],
  });
  afterAll(() => app.close());

  test('healthz answers 503 database_unavailable with Retry-After when the database check fails, naming no internals', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_S));
    const body = errorBodySchema.parse(res.json());
    expect(body.error).toBe('database_unavailable');
    expect(res.body).not.toMatch(/ECONNREFUSED|hunter2/);
  });

  test('an unexpected error is a 500 in the error shape that leaks neither message nor stack', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(errorBodySchema.strict().parse(res.json()).error).toBe('internal_error');
    expect(res.body).not.toMatch(/secret|\/srv\/|\.ts:|at /);
  });
});
