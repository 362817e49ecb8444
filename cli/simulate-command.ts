import { parseArgs } from 'node:util';
import { systemClock } from '../lib/time/clock.js';
import { namingConfigFile } from '../lib/net/listen.js';
import { createLogger } from '../lib/log.js';
import { loadSimulateConfig } from '../simulators/fleet/config.js';
import { startSimulation } from '../simulators/fleet/simulation.js';
import { gatewayEndpoints, waitForGateway } from '../simulators/mqtt/wait-for-gateway.js';
import { clockArgs, clockFromArgs } from './clock-options.js';
import { runUntilSignal } from './run-until-signal.js';
import { UsageError } from './usage-error.js';

export const simulateUsage = `gridwatch simulate --config simulate.yaml [--clock-speed N --clock-start ISO --clock-anchor MS]
  Runs simulated devices on their real protocols for a gateway: water meters, door contacts and
  SOS buttons over MQTT, wristbands over MQTT or the 3G watch protocol, electricity meters and
  noise sensors over Modbus TCP/RTU and DL/T 645; fleets of many; faults on a schedule. Waits
  for the gateway's broker and watch listener, then plays the config's story from that moment
  ("+9h20m", "15:20"). On the shared clock of GRIDWATCH_CLOCK when it is set (see gridwatch clock).`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, ...clockArgs }, strict: true });
  if (!values.config) throw new UsageError('--config is required', simulateUsage);
  const file = values.config;
  const clock = clockFromArgs(values);
  // Checked at once, so that a mistake is not found only once the gateway is up.
  const checked = loadSimulateConfig(file, clock.now());
  const logger = createLogger('simulate');
  await waitForGateway(gatewayEndpoints(checked), logger);
  // The story begins now that its devices can reach the gateway.
  const startedAt = clock.now();
  const config = loadSimulateConfig(file, startedAt);
  // Protocol timeouts and redials run on wall time whatever the story's clock.
  const simulation = await startSimulation(config, { clock, protocolClock: systemClock, startedAt, logger }).catch((err: unknown) => {
    throw namingConfigFile(err, file);
  });
  const progress = setInterval(() => logger.info(simulation.counts(), 'simulated devices: sent so far'), 60_000);
  return runUntilSignal(
    'simulator',
    async () => {
      clearInterval(progress);
      await simulation.stop();
    },
    logger,
  );
}
