import { parseArgs } from 'node:util';
import { namingConfigFile } from '../lib/net/listen.js';
import { createLogger } from '../lib/log.js';
import { isWorldReadable } from '../lib/config-file.js';
import { loadGatewayConfig } from '../gateway/config.js';
import { startGateway } from '../gateway/main.js';
import { clockArgs, clockFromArgs } from './clock-options.js';
import { runUntilSignal } from './run-until-signal.js';
import { UsageError } from './usage-error.js';

export const gatewayUsage = `gridwatch gateway --config gateway.yaml [--clock-speed N --clock-start ISO --clock-anchor MS]
  Runs the edge gateway: MQTT broker, Modbus and DL/T 645 polling, 4G bands, rules, outbox,
  uplink to the cloud. On the shared clock of
  GRIDWATCH_CLOCK when it is set (see gridwatch clock).`;

export async function gatewayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, ...clockArgs }, strict: true });
  if (!values.config) throw new UsageError('--config is required', gatewayUsage);
  const config = loadGatewayConfig(values.config);
  const logger = createLogger('gateway');
  if ((config.cloud.token !== undefined || config.mqtt.upstream?.password !== undefined) && isWorldReadable(values.config)) {
    logger.warn({ config: values.config }, `${values.config} holds a secret and every user of this machine may read it: chmod 600 ${values.config}, or put the token in GRIDWATCH_GATEWAY_TOKEN`);
  }
  const gateway = await startGateway(config, { clock: clockFromArgs(values), logger }).catch((err: unknown) => {
    throw namingConfigFile(err, values.config!);
  });
  // SIGHUP: take the rules of the edited config without a restart (and without losing state).
  const configFile = values.config;
  process.on('SIGHUP', () => {
    try {
      gateway.replaceRules(loadGatewayConfig(configFile));
      logger.info({ config: configFile }, 'rules, households and tag overrides reloaded; other changes take effect at the next start');
    } catch (err) {
      logger.error({ config: configFile, error: (err as Error).message }, 'config not reloaded: fix it and send SIGHUP again; the rules in use stay');
    }
  });
  return runUntilSignal('gateway', () => gateway.close(), logger);
}
