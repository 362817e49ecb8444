import type { DeviceEvent, Metric } from '../../../contract/metrics.js';
import type { Edge, Evaluate, GatewayContext, HouseholdContext, RuleTrigger } from '../../../gateway/rules/kinds/kind-api.js';
import type { DeviceContext } from '../../../contract/device-context.js';

export const DEVICE: DeviceContext = { deviceId: 'dev-1', householdId: 'hh-1', heartbeatMs: 60_000 };
export const GATEWAY: GatewayContext = { offline: [], timeZone: 'Asia/Shanghai' };

export type Feed = { at: number; metrics?: Partial<Record<Metric, number>>; events?: DeviceEvent[] } | { tick: number };

export interface Driven<S> {
  edges: Array<Edge & { at: number }>;
  state: S | undefined;
  /** The last wakeAt the evaluator asked for. */
  wakeAt: number | undefined;
  anomalies: string[];
}

/**
 * Feeds readings and ticks to a pure evaluator the way the engine does (state threaded through,
 * undefined = unchanged) and collects the edges with the time they happened.
 */
export function drive<R, S>(
  evaluate: Evaluate<R, S>,
  rule: R,
  feed: Feed[],
  device = DEVICE,
  gateway = GATEWAY,
  household?: HouseholdContext,
): Driven<S> {
  const out: Driven<S> = { edges: [], state: undefined, wakeAt: undefined, anomalies: [] };
  for (const f of feed) {
    const input: RuleTrigger =
      'tick' in f ? { type: 'tick', at: f.tick } : { type: 'reading', reading: { deviceId: device.deviceId, at: f.at, metrics: f.metrics ?? {}, events: f.events } };
    const step = evaluate(rule, out.state, input, { device, gateway, household });
    if (!step) continue;
    out.state = step.state;
    out.wakeAt = step.wakeAt;
    if (step.anomaly) out.anomalies.push(step.anomaly);
    if (step.edge) out.edges.push({ ...step.edge, at: 'tick' in f ? f.tick : f.at });
  }
  return out;
}

/** Readings of one metric every `stepMs` from `from`, valued by `value(t)`. */
export function every(from: number, to: number, stepMs: number, metric: Metric, value: (t: number) => number): Feed[] {
  const feed: Feed[] = [];
  for (let t = from; t <= to; t += stepMs) feed.push({ at: t, metrics: { [metric]: value(t) } });
  return feed;
}
