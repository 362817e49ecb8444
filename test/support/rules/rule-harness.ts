import { VirtualClock } from '../../../lib/time/clock.js';
import { silentLogger } from '../../../lib/log.js';
import type { SqliteDatabase } from '../../../lib/sqlite.js';
import { openGatewayDatabase } from '../../../gateway/store/gateway-database.js';
import { Outbox } from '../../../gateway/store/outbox.js';
import { ClockWatch } from '../../../gateway/clock-watch.js';
import { Uptime } from '../../../gateway/store/uptime.js';
import type { Alert } from '../../../contract/alert.js';
import { DEFAULT_RULES, DEFAULT_TAG_OVERRIDES } from '../../../gateway/rules/book/defaults.js';
import { RuleEngine } from '../../../gateway/rules/engine/rule-engine.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { buildRuleBook, tagOverrideSchema, type Household } from '../../../gateway/rules/book/rule-book.js';
import type { RuleConfig } from '../../../gateway/rules/kinds/registry.js';
import { RuleStateStore } from '../../../gateway/rules/engine/state-store.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** 2026-11-23 00:00 in Shanghai. */
export const T0 = Date.parse('2026-11-23T00:00:00+08:00');

export const WATER_METER: DeviceContext = { deviceId: 'wm-101', householdId: 'hh-101', heartbeatMs: 15 * MINUTE };

export interface RuleHarness {
  clock: VirtualClock;
  db: SqliteDatabase;
  outbox: Outbox;
  states: RuleStateStore;
  engine: RuleEngine;
  alerts: Alert[];
  water(at: number, volumeL: number, device?: DeviceContext): Alert[];
  /** Writes state and closes the file, as a gateway that stops cleanly does at `at` (@default the last `water` reading). */
  close(at?: number): void;
}

export interface RuleHarnessOptions {
  /** Rules as written in a config. @default the catalogue */
  rules?: readonly RuleConfig[];
  households?: Household[];
  /** Clock time the gateway starts at (matters after a restart: the time it was down). @default T0 */
  startedAt?: number;
  /** The engine's clock; advance it to let rules wake between readings. @default a VirtualClock at startedAt */
  clock?: VirtualClock;
  /** Devices the engine knows at start (it learns others from their readings). @default [WATER_METER] */
  devices?: DeviceContext[];
  /** Watch the clock for steps and suspends, as gateway/main.ts does. @default false */
  watchClock?: boolean;
}

/**
 * A rule engine on a real SQLite file in `dataDir`, with the default catalogue unless told
 * otherwise, run the way gateway/main.ts runs it; `close` is a clean stop at the last reading.
 */
export function ruleHarness(dataDir: string, options: RuleHarnessOptions = {}): RuleHarness {
  const book = buildRuleBook(options.rules ?? DEFAULT_RULES, options.households ?? [], DEFAULT_TAG_OVERRIDES.map((t) => tagOverrideSchema.parse(t)));
  const db = openGatewayDatabase(dataDir);
  const outbox = new Outbox(db);
  const runs = new Uptime(db);
  const { offline, stepMs } = runs.begin(options.startedAt ?? T0);
  const states = new RuleStateStore(db, silentLogger());
  const clock = options.clock ?? new VirtualClock(options.startedAt ?? T0);
  const engine = new RuleEngine({
    gatewayId: 'gw-test',
    book,
    devices: options.devices ?? [WATER_METER],
    db,
    outbox,
    states,
    offline,
    clock,
    checkClock: () => watch?.check(),
    logger: silentLogger(),
  });
  const watch = options.watchClock
    ? new ClockWatch({
        clock,
        logger: silentLogger(),
        onStep: (d) => {
          engine.shiftTime(d);
          runs.shift(d);
        },
        onSuspend: (from, to) => {
          engine.addOffline(from, to);
          runs.recordGap(from, to);
        },
      })
    : undefined;
  engine.start();
  if (stepMs !== 0) engine.shiftTime(stepMs);
  watch?.start();
  const alerts: Alert[] = [];
  let lastAt = options.startedAt ?? T0;
  return {
    clock,
    db,
    outbox,
    states,
    engine,
    alerts,
    water(at, volumeL, device = WATER_METER) {
      lastAt = at;
      const out = engine.process({ deviceId: device.deviceId, at, metrics: { volume_l: volumeL } }, device);
      alerts.push(...out);
      return out;
    },
    close(at = lastAt) {
      watch?.stop();
      engine.stop();
      states.flush(at);
      runs.alive(at);
      db.close();
    },
  };
}
