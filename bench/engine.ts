import { rmSync } from 'node:fs';
import { VirtualClock } from '../lib/time/clock.js';
import { silentLogger } from '../lib/log.js';
import { ClockWatch } from '../gateway/clock-watch.js';
import { openGatewayDatabase } from '../gateway/store/gateway-database.js';
import { Outbox } from '../gateway/store/outbox.js';
import { DEFAULT_RULES } from '../gateway/rules/book/defaults.js';
import { RuleEngine } from '../gateway/rules/engine/rule-engine.js';
import type { DeviceContext } from '../contract/device-context.js';
import { buildRuleBook } from '../gateway/rules/book/rule-book.js';
import { RuleStateStore } from '../gateway/rules/engine/state-store.js';
import { Uptime } from '../gateway/store/uptime.js';
import { makeTempDir } from '../test/support/temp-dir.js';

export interface EngineBenchOptions {
  devices: number;
  rounds: number;
  log: (line: string) => void;
}

const RULE_IDS = ['no-water-use', 'heart-rate', 'low-battery', 'device-silent', 'sos'];

/**
 * Readings per second through the rule engine on one core: `devices` water meters, 5 rules
 * each (every reading is evaluated by all five), state in a real SQLite file flushed every
 * second as the gateway does, wake-ups on a virtual clock that moves 15 minutes per round (100 rounds: 25 h, so the
 * households without water raise their alert, each committed with an fsync).
 */
export async function benchEngine(o: EngineBenchOptions): Promise<{ readingsPerS: number; readings: number; alerts: number }> {
  const dir = makeTempDir('gridwatch-bench-');
  try {
    const db = openGatewayDatabase(dir.path);
    const outbox = new Outbox(db);
    const states = new RuleStateStore(db, silentLogger());
    const clock = new VirtualClock(Date.parse('2026-11-23T00:00:00+08:00'));
    const devices: DeviceContext[] = Array.from({ length: o.devices }, (_, i) => ({ deviceId: `wm-${i}`, householdId: `hh-${i}`, heartbeatMs: 15 * 60_000 }));
    const book = buildRuleBook(DEFAULT_RULES.filter((r) => RULE_IDS.includes(r.id)));
    // As in the gateway: the clock is checked for steps before every reading.
    const watch = new ClockWatch({ clock, logger: silentLogger(), onStep: (d) => engine.shiftTime(d), onSuspend: (a, b) => engine.addOffline(a, b) });
    const engine = new RuleEngine({ gatewayId: 'gw-bench', book, checkClock: () => watch.check(), devices, db, outbox, states, clock, offline: new Uptime(db).begin(clock.now()).offline, logger: silentLogger() });
    engine.start();
    watch.start();

    let readings = 0;
    let busyMs = 0;
    let lastFlush = performance.now();
    for (let round = 0; round < o.rounds; round++) {
      const at = clock.now();
      const started = performance.now();
      for (let i = 0; i < devices.length; i++) {
        // Every 10th household uses no water: those raise "no water use" on day 2.
        const volume = i % 10 === 0 ? 1_000 : 1_000 + round * 0.5;
        engine.process({ deviceId: devices[i]!.deviceId, at, metrics: { volume_l: volume, battery_pct: 80 } }, devices[i]!).length;
        readings++;
        if (performance.now() - lastFlush > 1_000) {
          states.flush(at);
          lastFlush = performance.now();
        }
      }
      await clock.advance(15 * 60_000);
      busyMs += performance.now() - started;
      if (round % 20 === 0) o.log(`engine: round ${round + 1}/${o.rounds}, ${readings} readings, ${Math.round(readings / (busyMs / 1000))} readings/s`);
    }
    states.flush(clock.now());
    watch.stop();
    engine.stop();
    // Raised by readings and by wake-ups alike, all committed to the outbox.
    const alerts = outbox.counts().pending;
    db.close();
    return { readingsPerS: Math.round(readings / (busyMs / 1000)), readings, alerts };
  } finally {
    dir.remove();
  }
}
