import { parseArgs } from 'node:util';
import { benchEngine } from './engine.js';
import { benchIngest } from './ingest.js';
import { benchQuality } from './alert-quality/bench-quality.js';
import { RESULTS_FILE, recordResults } from './results-file.js';

/**
 * `npm run bench`: measures, prints progress on stderr, writes bench/results/latest.json.
 * `--quick` for a short run, `--only engine|ingest|quality` for one part.
 */
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } }, strict: true });
const PARTS = ['engine', 'ingest', 'quality'] as const;
if (values.only !== undefined && !(PARTS as readonly string[]).includes(values.only)) {
  process.stderr.write(`--only must be one of ${PARTS.join(', ')}, not "${values.only}"\n`);
  process.exit(2);
}
const runs = (part: (typeof PARTS)[number]): boolean => values.only === undefined || values.only === part;
const log = (line: string) => process.stderr.write(`${line}\n`);

if (runs('engine')) {
  const devices = 10_000;
  const rounds = values.quick ? 20 : 100;
  log(`engine: ${devices} devices x 5 rules, ${rounds} rounds (15 simulated minutes each, so alerts are raised and committed)`);
  const engine = await benchEngine({ devices, rounds, log });
  const figures = { engine_readings_per_s: engine.readingsPerS };
  recordResults(figures);
  process.stdout.write(`${JSON.stringify({ ...figures, engine_readings: engine.readings, engine_alerts: engine.alerts })}\n`);
  log(`target engine_readings_per_s >= 50000 on one core: ${engine.readingsPerS >= 50_000 ? 'met' : 'NOT met'}; written to ${RESULTS_FILE}`);
}

if (runs('ingest')) {
  // The cloud's ingest, on PostgreSQL (the deployment database) when DATABASE_URL is set.
  const databaseUrl = process.env.DATABASE_URL || undefined;
  log(`ingest: ${databaseUrl ? 'PostgreSQL' : 'SQLite (set DATABASE_URL for PostgreSQL)'}, 4 gateways`);
  const ingest = await benchIngest({ databaseUrl, alerts: values.quick ? 4_000 : 20_000, readings: values.quick ? 40_000 : 400_000, gateways: 4, log });
  const ingestFigures = { ingest_alerts_per_s: ingest.alertsPerS, ingest_readings_per_s: ingest.readingsPerS };
  recordResults(ingestFigures);
  process.stdout.write(`${JSON.stringify({ ...ingestFigures, ingest_database: ingest.dialect })}\n`);
  log(`target ingest_alerts_per_s >= 5000 (PostgreSQL, idempotent): ${ingest.alertsPerS >= 5_000 ? 'met' : 'NOT met'}${databaseUrl ? '' : ' (measured on SQLite)'}`);
}

if (runs('quality')) {
  // Alert quality on the project's own corpus of household life (simulators/corpus/), two seeds.
  const households = values.quick ? 50 : 200;
  const seeds = values.quick ? [1] : [1, 2];
  log(`alert quality: ${households} households x 30 days, seeds ${seeds.join(', ')}, through the rule engine with the default rules`);
  const { worst } = await benchQuality({ seeds, households, days: 30, log });
  recordResults(worst);
  process.stdout.write(`${JSON.stringify(worst)}\n`);
  const met =
    worst.alert_recall === 1 &&
    worst.max_detection_delay_ratio <= 1.05 &&
    worst.false_alarm_tickets_per_100_household_days <= 1 &&
    worst.false_alarm_tickets_p1p2_per_100_household_days <= 0.3;
  log(`target recall 1.0, delay ratio <= 1.05, false tickets <= 1 (P1/P2 <= 0.3) per 100 household-days: ${met ? 'met' : 'NOT met'}`);
}
