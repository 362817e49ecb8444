import { parseArgs } from 'node:util';
import { namingConfigFile } from '../lib/net/listen.js';
import { createLogger } from '../lib/log.js';
import { loadCloudConfig } from '../cloud/config.js';
import { startCloud } from '../cloud/main.js';
import { clockFromArgs } from './clock-options.js';
import { runUntilSignal } from './run-until-signal.js';
import { UsageError } from './usage-error.js';

export const cloudUsage = `gridwatch cloud --config cloud.yaml
  Runs the cloud: ingest API for gateways (alerts, readings), tickets and hourly rollups (SQLite,
  or PostgreSQL with DATABASE_URL), telemetry to an InfluxDB-compatible store (telemetry: in the
  config), /healthz, /metrics, /openapi.json. On the shared clock of GRIDWATCH_CLOCK when it is
  set (see gridwatch clock).`;

export async function cloudCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
  if (!values.config) throw new UsageError('--config is required', cloudUsage);
  const config = loadCloudConfig(values.config);
  const logger = createLogger('cloud');
  const cloud = await startCloud(config, { clock: clockFromArgs({}), logger }).catch((err: unknown) => {
    throw namingConfigFile(err, values.config!);
  });
  return runUntilSignal('cloud', () => cloud.close(), logger);
}
