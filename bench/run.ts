import { parseArgs } from 'node:util';
import { benchEngine } from './engine.js';
import { benchIngest } from './ingest.js';
import { RESULTS_FILE, recordResults } from './results-file.js';

/** `npm run bench`: measures, prints progress on stderr, writes bench/results/latest.json. */
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } }, strict: true });
const log = (line: string) => process.stderr.write(`${line}\n`);

const devices = 10_000;
const rounds = values.quick ? 20 : 100;
log(`engine: ${devices} devices x 5 rules, ${rounds} rounds (15 simulated minutes each, so alerts are raised and committed)`);
const engine = await benchEngine({ devices, rounds, log });
const figures = { engine_readings_per_s: engine.readingsPerS };
recordResults(figures);
process.stdout.write(`${JSON.stringify({ ...figures, engine_readings: engine.readings, engine_alerts: engine.alerts })}\n`);
log(`target engine_readings_per_s >= 50000 on one core: ${engine.readingsPerS >= 50_000 ? 'met' : 'NOT met'}; written to ${RESULTS_FILE}`);

// The cloud's ingest, on PostgreSQL (the deployment database) when DATABASE_URL is set.
const databaseUrl = process.env.DATABASE_URL || undefined;
log(`ingest: ${databaseUrl ? 'PostgreSQL' : 'SQLite (set DATABASE_URL for PostgreSQL)'}, 4 gateways`);
const ingest = await benchIngest({ databaseUrl, alerts: values.quick ? 4_000 : 20_000, readings: values.quick ? 40_000 : 400_000, gateways: 4, log });
const ingestFigures = { ingest_alerts_per_s: ingest.alertsPerS, ingest_readings_per_s: ingest.readingsPerS };
recordResults(ingestFigures);
process.stdout.write(`${JSON.stringify({ ...ingestFigures, ingest_database: ingest.dialect })}\n`);
log(`target ingest_alerts_per_s >= 5000 (PostgreSQL, idempotent): ${ingest.alertsPerS >= 5_000 ? 'met' : 'NOT met'}${databaseUrl ? '' : ' (measured on SQLite)'}`);
