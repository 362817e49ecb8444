import { parseArgs } from 'node:util';
import { createLogger } from '../lib/log.js';
import { loadSimulateConfig } from '../simulators/config.js';
import { startSimulation } from '../simulators/simulation.js';
import { clockArgs, clockFromArgs } from './clock-options.js';
import { runUntilSignal } from './run-until-signal.js';
import { UsageError } from './usage-error.js';

export const simulateUsage = `gridwatch simulate --config simulate.yaml [--clock-speed N --clock-start ISO --clock-anchor MS]
  Runs simulated devices on their real protocols for a gateway: water meters, door contacts and
  SOS buttons over MQTT, wristbands over MQTT or the 3G watch protocol, electricity meters and
  noise sensors over Modbus TCP/RTU and DL/T 645; fleets of many; faults on a schedule.`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, ...clockArgs }, strict: true });
  if (!values.config) throw new UsageError('--config is required', simulateUsage);
  const config = loadSimulateConfig(values.config);
  const logger = createLogger('simulate');
  const simulation = await startSimulation(config, { clock: clockFromArgs(values), logger });
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
