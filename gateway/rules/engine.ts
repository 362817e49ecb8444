import type { Logger } from '../../lib/log.js';
import type { SqliteDatabase } from '../../lib/sqlite.js';
import type { Reading } from '../../firmware-profiles/reading.js';
import type { Outbox } from '../outbox.js';
import type { Alert } from './alert.js';
import type { OfflineSpan } from '../runs.js';
import type { DeviceContext, Edge, GatewayContext } from './evaluator.js';
import { kindOf } from './kinds.js';
import type { Rule } from './schema.js';
import type { RuleStateStore } from './state-store.js';

export interface RuleEngineOptions {
  gatewayId: string;
  rules: readonly Rule[];
  db: SqliteDatabase;
  outbox: Outbox;
  states: RuleStateStore;
  logger: Logger;
  /** Spans the gateway was down (from GatewayRuns.begin). */
  offline: readonly OfflineSpan[];
}

/**
 * Runs every rule over each reading. Synchronous on purpose: the MQTT driver calls it before the
 * device's PUBACK, so when a device is acknowledged its reading has been evaluated and any alert
 * it caused is on disk.
 */
export class RuleEngine {
  readonly #opts: RuleEngineOptions;
  readonly #rulesById: Map<string, Rule>;
  readonly #gateway: GatewayContext;

  constructor(opts: RuleEngineOptions) {
    this.#opts = opts;
    this.#rulesById = new Map(opts.rules.map((r) => [r.id, r]));
    this.#gateway = { offline: opts.offline };
  }

  /** Loads persisted state, dropping (and logging) state that no longer fits its rule. */
  start(): void {
    this.#opts.states.load((ruleId, raw) => {
      const rule = this.#rulesById.get(ruleId);
      if (!rule) return undefined;
      const parsed = kindOf(rule).stateSchema.safeParse(raw);
      if (parsed.success) return parsed.data;
      this.#opts.logger.warn({ rule: ruleId }, 'stored rule state does not fit the rule any more; its window starts again');
      return undefined;
    });
  }

  process(reading: Reading, device: DeviceContext): Alert[] {
    const { states, outbox, db, gatewayId, logger } = this.#opts;
    const steps: Array<{ rule: Rule; state: unknown }> = [];
    const alerts: Alert[] = [];
    for (const rule of this.#opts.rules) {
      const step = kindOf(rule).evaluate(rule, states.get(rule.id, device.deviceId), reading, device, this.#gateway);
      if (!step) continue;
      steps.push({ rule, state: step.state });
      if (step.edge) alerts.push(toAlert(gatewayId, rule, device, step.edge, reading.at));
      if (step.anomaly) logger.warn({ rule: rule.id, device: device.deviceId, reading: reading.metrics }, step.anomaly);
    }
    if (alerts.length > 0) {
      // The alerts and the state that raised them are committed first, and memory changes only
      // after: if the commit throws (disk full), the device gets no PUBACK, publishes again, and
      // the rule still sees the old state, so it raises again rather than never.
      db.transaction(() => {
        outbox.enqueue(alerts, reading.at);
        for (const { rule, state } of steps) states.save(rule.id, device.deviceId, state, reading.at);
      })();
    }
    for (const { rule, state } of steps) states.set(rule.id, device.deviceId, state, alerts.length === 0);
    if (alerts.length > 0) {
      for (const alert of alerts) logger.info({ alert: alert.id, rule: alert.rule, device: alert.deviceId, kind: alert.kind }, alert.summary);
      outbox.notify();
    }
    return alerts;
  }
}

function toAlert(gatewayId: string, rule: Rule, device: DeviceContext, edge: Edge, at: number): Alert {
  return {
    id: `${gatewayId}:${rule.id}:${device.deviceId}:${edge.episode}:${edge.kind}`,
    gatewayId,
    householdId: device.householdId,
    deviceId: device.deviceId,
    rule: rule.id,
    kind: edge.kind,
    grade: rule.grade,
    at: new Date(at).toISOString(),
    summary: edge.summary,
    details: edge.details,
  };
}
