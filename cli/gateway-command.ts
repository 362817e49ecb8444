import { parseArgs } from 'node:util';
import { createLogger } from '../lib/log.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/main.js';
import { clockArgs, clockFromArgs } from './clock-options.js';
import { runUntilSignal } from './run-until-signal.js';
import { UsageError } from './usage-error.js';

export const gatewayUsage = `gridwatch gateway --config gateway.yaml [--clock-speed N --clock-start ISO --clock-anchor MS]
  Runs the edge gateway: MQTT broker, rules, outbox, uplink to the cloud.`;

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, ...clockArgs }, strict: true });
  if (!values.config) throw new UsageError('--config is required', gatewayUsage);
  const config = loadGatewayConfig(values.config);
  const logger = createLogger('gateway');
  const gateway = await startGateway(config, { clock: clockFromArgs(values), logger });
  return runUntilSignal('gateway', () => gateway.close(), logger);
}
