import type { ReadingSink } from '../contract/reading-sink.js';
import type { ReadingsLane } from './store/readings-lane.js';

/**
 * What the drivers hand readings to when the cloud takes telemetry: every reading goes to the
 * rules (which commit any alert before returning) and, when it has values, to the readings lane
 * (group-committed; a driver acknowledges its device once `durable` resolves).
 */
export function readingsTee(rules: ReadingSink, lane: Pick<ReadingsLane, 'add' | 'durable'>): ReadingSink {
  return {
    process: (reading, device) => {
      rules.process(reading, device);
      // A frame that only says something happened (an SOS key) has no values for telemetry.
      for (const _ in reading.metrics) {
        lane.add(reading, device);
        break;
      }
    },
    durable: () => lane.durable(),
  };
}
