import { generateCorpus } from '../../simulators/corpus/generate.js';
import { runCorpus } from './run-corpus.js';
import { scoreRun, type QualityFigures } from './score.js';

export interface QualityBenchOptions {
  seeds: readonly number[];
  households: number;
  days: number;
  log: (line: string) => void;
}

/** Each figure at its worst over the seeds. */
export interface WorstFigures {
  [figure: string]: number;
  alert_recall: number;
  max_detection_delay_ratio: number;
  false_alarm_tickets_per_100_household_days: number;
  false_alarm_tickets_p1p2_per_100_household_days: number;
  false_alerts_per_100_household_days: number;
  false_alerts_p1p2_per_100_household_days: number;
}

/** The first day of every corpus: a Monday, local midnight. */
export const CORPUS_START = Date.parse('2026-03-02T00:00:00+08:00');

/** One seed's corpus through the rule engine, scored. */
export async function qualityOf(seed: number, households: number, days: number, log?: (line: string) => void): Promise<QualityFigures & { readings: number; ms: number }> {
  const corpus = generateCorpus({ seed, households, days, start: CORPUS_START });
  const run = await runCorpus(corpus, { log });
  return { ...scoreRun(corpus, run.alerts, run.book), readings: run.readings, ms: run.ms };
}

/**
 * Alert quality on the project's corpus (simulators/corpus/): recall of true events, the delay
 * against each rule's window plus one reading interval, and false alarms per 100 household-days,
 * tickets and alerts, per seed and worst over seeds.
 */
export async function benchQuality(o: QualityBenchOptions): Promise<{ perSeed: Record<number, QualityFigures>; worst: WorstFigures }> {
  const perSeed: Record<number, QualityFigures> = {};
  for (const seed of o.seeds) {
    let lastLogged = 0;
    const figures = await qualityOf(seed, o.households, o.days, (line) => {
      if (performance.now() - lastLogged > 10_000) {
        lastLogged = performance.now();
        o.log(`seed ${seed}: ${line}`);
      }
    });
    perSeed[seed] = figures;
    const f = figures.false_alarms_per_100_household_days;
    o.log(
      `alert quality, seed ${seed}: ${figures.households} households x ${o.days} days, ${figures.readings} readings in ${Math.round(figures.ms / 1000)} s; ` +
        `recall ${figures.found}/${figures.trueEvents}${figures.censored ? ` (${figures.censored} too near the end to count)` : ""}, max delay ratio ${figures.max_detection_delay_ratio}; ` +
        `false per 100 household-days: tickets ${f.tickets} (P1/P2 ${f.ticketsP1P2}), alerts ${f.alerts} (P1/P2 ${f.alertsP1P2}); upkeep tickets ${figures.upkeep_tickets_per_100_household_days}`,
    );
    for (const [rule, r] of Object.entries(figures.byRule)) {
      o.log(`  ${rule}: ${r.raises} raised, ${r.falseRaises} false (P1/P2 ${r.falseRaisesP1P2}), false tickets ${r.falseTickets} (P1/P2 ${r.falseTicketsP1P2})`);
    }
    const causes = Object.entries(figures.falseRaisesByCause).sort((a, b) => b[1] - a[1]);
    if (causes.length > 0) o.log(`  false raises by cause: ${causes.map(([c, n]) => `${c} ${n}`).join('; ')}`);
    for (const m of figures.missed) o.log(`  MISSED ${m.event.kind} ${m.event.householdId} from ${new Date(m.event.from).toISOString()}${m.foundAt ? `, found late at ${m.foundAt}` : ''}`);
  }
  const all = Object.values(perSeed);
  const worst: WorstFigures = {
    alert_recall: Math.min(...all.map((f) => f.alert_recall)),
    max_detection_delay_ratio: Math.max(...all.map((f) => f.max_detection_delay_ratio)),
    false_alarm_tickets_per_100_household_days: Math.max(...all.map((f) => f.false_alarms_per_100_household_days.tickets)),
    false_alarm_tickets_p1p2_per_100_household_days: Math.max(...all.map((f) => f.false_alarms_per_100_household_days.ticketsP1P2)),
    false_alerts_per_100_household_days: Math.max(...all.map((f) => f.false_alarms_per_100_household_days.alerts)),
    false_alerts_p1p2_per_100_household_days: Math.max(...all.map((f) => f.false_alarms_per_100_household_days.alertsP1P2)),
  };
  return { perSeed, worst };
}
