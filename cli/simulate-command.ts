import { parseArgs } from 'node:util';
import { createLogger } from '../lib/log.js';
import { loadSimulateConfig } from '../simulators/config.js';
import { startWaterFleet } from '../simulators/water-fleet.js';
import { clockArgs, clockFromArgs } from './clock-options.js';
import { runUntilSignal } from './run-until-signal.js';
import { UsageError } from './usage-error.js';

export const simulateUsage = `gridwatch simulate --config simulate.yaml [--clock-speed N --clock-start ISO --clock-anchor MS]
  Runs simulated water meters that publish to a gateway's MQTT broker.`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, ...clockArgs }, strict: true });
  if (!values.config) throw new UsageError('--config is required', simulateUsage);
  const config = loadSimulateConfig(values.config);
  const logger = createLogger('simulate');
  const fleet = await startWaterFleet(config, { clock: clockFromArgs(values), logger });
  return runUntilSignal('simulator', () => fleet.stop(), logger);
}
