import { InputError } from '../lib/validation.js';
import { clockCommand, clockUsage } from './clock-command.js';
import { cloudCommand, cloudUsage } from './cloud-command.js';
import { demoCommand, demoUsage } from './demo/command.js';
import { floodCommand, floodUsage } from './flood-command.js';
import { gatewayCommand, gatewayUsage } from './gateway-command.js';
import { simulateCommand, simulateUsage } from './simulate-command.js';
import { tokenCommand, tokenUsage } from './token-command.js';
import { UsageError } from './usage-error.js';

const USAGE = `gridwatch: edge gateway and alert pipeline for community elder safety

${demoUsage}
${gatewayUsage}
${cloudUsage}
${simulateUsage}
${floodUsage}
${clockUsage}
${tokenUsage}
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number> | number> = {
  demo: demoCommand,
  gateway: gatewayCommand,
  cloud: cloudCommand,
  simulate: simulateCommand,
  flood: floodCommand,
  clock: clockCommand,
  token: tokenCommand,
};

/** Runs one command; returns the process exit code (0 ok, 1 failed, 2 wrong usage or input). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`gridwatch: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gridwatch ${name}: ${err.message}\n\n${err.usage}\n`);
      return 2;
    }
    if (err instanceof InputError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`gridwatch ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`gridwatch ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
