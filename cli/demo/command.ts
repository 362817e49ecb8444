import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from '../../lib/log.js';
import { parseOrThrow } from '../../lib/validation.js';
import { summaryLines, ticketLines } from './report.js';
import { runDemoScenario } from './scenario.js';

export const demoUsage = `gridwatch demo [--json] [--days N] [--households N] [--verbose]
  Runs cloud, gateway and simulated devices of every kind (MQTT, Modbus TCP and RTU, DL/T 645,
  the 4G watch protocol) together on embedded defaults (nothing to install), on a virtual clock,
  and prints the tickets opened. Three simulated days take about 5 s on an idle 2-core machine,
  up to half a minute on a busy one.
  --json: one JSON object per ticket per line on stdout, nothing else there (progress goes to
  stderr): \`npx gridwatch demo --json\` (\`npm run demo -- --json\` adds npm's banner to stdout).`;

const demoArgsSchema = z.object({
  json: z.boolean(),
  verbose: z.boolean(),
  days: z.coerce.number().int().min(2, 'the water must stop for 24 h: at least 2 days').max(60),
  households: z.coerce.number().int().min(3, 'the compound has three households: at least 3').max(200),
});

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      days: { type: 'string', default: '3' },
      households: { type: 'string', default: '3' },
    },
    strict: true,
  });
  const o = parseOrThrow(demoArgsSchema, values, 'demo options');
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  const started = Date.now();
  const result = await runDemoScenario({
    days: o.days,
    households: o.households,
    logger: createLogger('demo', o.verbose ? 'info' : 'warn'),
    progress,
  });

  for (const line of summaryLines({
    days: o.days,
    seconds: (Date.now() - started) / 1000,
    readings: result.readings,
    delivered: result.alerts,
    byKind: result.alertsByKind,
    tickets: result.tickets.length,
  })) {
    progress(line);
  }
  if (o.json) {
    for (const t of result.tickets) {
      const { id, householdId, deviceId, rule, grade, state, openedAt, summary, alertCount, clearCount } = t;
      process.stdout.write(`${JSON.stringify({ id, householdId, deviceId, rule, grade, state, openedAt, alertCount, clearCount, summary })}\n`);
    }
    return 0;
  }
  if (result.tickets.length === 0) process.stdout.write('没有开出工单 / no tickets were opened.\n');
  for (const t of result.tickets) process.stdout.write(ticketLines(t, result.sites));
  return 0;
}
