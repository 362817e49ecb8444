import type { Reading } from './reading.js';
import type { DeviceContext } from './device-context.js';

/**
 * Where the drivers hand each reading: the rules (which commit any alert before returning) and
 * the readings lane for the cloud's telemetry. A driver that acknowledges its device waits for
 * `durable()` first, so an acknowledged reading is on disk; without it (the rule engine alone,
 * in tests) a reading is durable once `process` returns.
 */
export interface ReadingSink {
  process(reading: Reading, device: DeviceContext): unknown;
  durable?(): Promise<void>;
}
