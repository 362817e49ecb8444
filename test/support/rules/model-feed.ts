import type { Reading } from '../../../contract/reading.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import type { DeviceModel } from '../../../simulators/fleet/device-model.js';
import type { RuleHarness } from './rule-harness.js';

/** A simulated device as the gateway sees it: its context, its model, and how it is read. */
export interface ModelDevice {
  device: DeviceContext;
  model: DeviceModel;
  /** Polled devices (nextReportAfter gives nothing): the gateway reads them this often, from `from`. */
  pollMs?: number;
}

/**
 * Feeds every device's reports in [from, until) to the harness's rule engine, in time order on
 * its VirtualClock, so the engine's own wake-ups (a window closing, midnight) fire between
 * readings as they would on a gateway; then lets time run to `until`. Returns the readings fed.
 */
export async function feedModels(h: RuleHarness, devices: readonly ModelDevice[], from: number, until: number): Promise<Reading[]> {
  const sources = devices.map((d) => ({ ...d, next: d.pollMs ? { at: from, events: [] } : d.model.nextReportAfter(from - 1) }));
  const readings: Reading[] = [];
  for (;;) {
    let source: (typeof sources)[number] | undefined;
    for (const s of sources) if (s.next && s.next.at < until && (!source || s.next.at < source.next!.at)) source = s;
    if (!source) break;
    const { at, events } = source.next!;
    await h.clock.advanceTo(at);
    const reading: Reading = { deviceId: source.device.deviceId, at, metrics: source.model.valuesAt(at), ...(events.length > 0 ? { events } : {}) };
    readings.push(reading);
    h.engine.process(reading, source.device);
    source.next = source.pollMs ? { at: at + source.pollMs, events: [] } : source.model.nextReportAfter(at);
  }
  await h.clock.advanceTo(until);
  return readings;
}
