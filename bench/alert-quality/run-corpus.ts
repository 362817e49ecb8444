import { VirtualClock } from '../../lib/time/clock.js';
import { silentLogger } from '../../lib/log.js';
import { openGatewayDatabase } from '../../gateway/store/gateway-database.js';
import { DEFAULT_RULES, DEFAULT_TAG_OVERRIDES } from '../../gateway/rules/book/defaults.js';
import { RuleEngine } from '../../gateway/rules/engine/rule-engine.js';
import { buildRuleBook, householdSchema, tagOverrideSchema, type RuleBook } from '../../gateway/rules/book/rule-book.js';
import { RuleStateStore } from '../../gateway/rules/engine/state-store.js';
import type { DeviceContext } from '../../contract/device-context.js';
import type { Alert } from '../../contract/alert.js';
import type { Corpus } from '../../simulators/corpus/corpus.js';
import { makeTempDir } from '../../test/support/temp-dir.js';

export interface CorpusRun {
  /** Every alert the engine raised or cleared, in the order it committed them. */
  alerts: Alert[];
  readings: number;
  /** How long the run took on the wall clock (a machine's figure, not the rules'). */
  ms: number;
  book: RuleBook;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The rule book a gateway would build for the corpus's households: the default rules and tag overrides. */
export function corpusRuleBook(corpus: Corpus): RuleBook {
  const households = corpus.households.map((h) => householdSchema.parse({ id: h.id, tags: h.tags, away: h.away.map((a) => ({ from: iso(a.from), until: iso(a.until) })) }));
  return buildRuleBook(DEFAULT_RULES, households, DEFAULT_TAG_OVERRIDES.map((t) => tagOverrideSchema.parse(t)));
}

/**
 * Runs the gateway's rule engine, with the default rule book, over a corpus on a virtual clock:
 * each reading is handed over at its time, and wake-ups (a window closing between readings) fire
 * as the clock passes them, as in a running gateway. State lives in a real SQLite gateway database.
 */
export async function runCorpus(corpus: Corpus, o: { log?: (line: string) => void } = {}): Promise<CorpusRun> {
  const dir = makeTempDir('gridwatch-quality-');
  const started = performance.now();
  try {
    const db = openGatewayDatabase(dir.path);
    const states = new RuleStateStore(db, silentLogger());
    const clock = new VirtualClock(corpus.options.start);
    const devices: DeviceContext[] = corpus.households.flatMap((h) =>
      h.devices.map((d) => ({ deviceId: d.deviceId, householdId: h.id, heartbeatMs: d.heartbeatMs, ...(d.homeRangeOnly ? { homeRangeOnly: true } : {}) })),
    );
    const byId = new Map(devices.map((d) => [d.deviceId, d]));
    const alerts: Alert[] = [];
    const book = corpusRuleBook(corpus);
    const engine = new RuleEngine({
      gatewayId: 'gw-quality',
      book,
      devices,
      db,
      outbox: { enqueue: (batch) => void alerts.push(...batch), notify: () => undefined },
      states,
      clock,
      offline: [],
      logger: silentLogger(),
    });
    engine.start();
    let readings = 0;
    for (let day = 0; day < corpus.options.days; day++) {
      for (const reading of corpus.readingsOfDay(day)) {
        const device = byId.get(reading.deviceId);
        if (!device) throw new Error(`the corpus has a reading of ${reading.deviceId}, a device none of its households has`);
        if (reading.at > clock.now()) await clock.advanceTo(reading.at);
        engine.process(reading, device);
        readings++;
      }
      states.flush(clock.now());
      o.log?.(`alert quality: day ${day + 1}/${corpus.options.days}, ${readings} readings, ${alerts.length} alerts`);
    }
    // The last day's windows close too.
    await clock.advanceTo(corpus.options.start + corpus.options.days * 86_400_000);
    engine.stop();
    db.close();
    return { alerts, readings, ms: Math.round(performance.now() - started), book };
  } finally {
    dir.remove();
  }
}
