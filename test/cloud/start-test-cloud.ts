import { join } from 'node:path';
import { cloudConfigSchema, type CloudConfigInput } from '../../cloud/config.js';
import { generateToken, hashToken } from '../../cloud/http/auth.js';
import { startCloud, type CloudHandle } from '../../cloud/main.js';
import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import { makeTempDir } from '../support/temp-dir.js';
import { T0 } from './fixtures.js';

export interface TestCloud {
  cloud: CloudHandle;
  /** The cloud's clock: advance it to refill rate limits (they run on its monotonic time). */
  clock: VirtualClock;
  /** Plain tokens: gw-1's, gw-2's, and the console reader's. */
  tokens: { gw1: string; gw2: string; reader: string };
  sqlitePath: string;
  /** POSTs `body` (an object is sent as JSON, a string as is) to /v1/ingest/alerts. */
  postAlerts(body: unknown, token?: string, headers?: Record<string, string>): Promise<Response>;
  /** POSTs `body` to /v1/ingest/readings, like postAlerts. */
  postReadings(body: unknown, token?: string, headers?: Record<string, string>): Promise<Response>;
  get(path: string, token?: string): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real cloud on SQLite in a temp dir (or the databaseUrl of `overrides`), listening on a free
 * port, with two gateways and one reader. `tokens` reuses another test cloud's tokens, so that
 * two clouds on one database accept the same gateways.
 */
export async function startTestCloud(
  overrides: Partial<CloudConfigInput> = {},
  logger: Logger = silentLogger(),
  tokens?: TestCloud['tokens'],
  /** The cloud's clock; a gateway's own, when the test runs one (the cloud refuses times days away from its clock). */
  clock: VirtualClock = new VirtualClock(T0),
): Promise<TestCloud> {
  const dir = makeTempDir('gridwatch-cloud-');
  const known = (token: string) => ({ token, sha256: hashToken(token) });
  const gw1 = tokens ? known(tokens.gw1) : generateToken();
  const gw2 = tokens ? known(tokens.gw2) : generateToken();
  const reader = tokens ? known(tokens.reader) : generateToken();
  const sqlitePath = join(dir.path, 'cloud.sqlite');
  const config = cloudConfigSchema.parse({
    http: { port: 0 },
    sqlitePath,
    bodyLimitBytes: 4096,
    gateways: [
      { id: 'gw-1', tokenSha256: gw1.sha256 },
      { id: 'gw-2', tokenSha256: gw2.sha256 },
    ],
    readers: [{ name: 'console', tokenSha256: reader.sha256 }],
    ...overrides,
  });
  const cloud = await startCloud(config, { clock, logger });
  const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
  const post = (path: string) => (body: unknown, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${cloud.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth(token), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return {
    cloud,
    clock,
    tokens: { gw1: gw1.token, gw2: gw2.token, reader: reader.token },
    sqlitePath,
    postAlerts: post('/v1/ingest/alerts'),
    postReadings: post('/v1/ingest/readings'),
    get: (path, token) => fetch(`${cloud.url}${path}`, { headers: auth(token) }),
    async close() {
      await cloud.close();
      dir.remove();
    },
  };
}
