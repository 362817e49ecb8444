import type { Reading } from '../../../contract/reading.js';
import type { RuleEngine } from '../../../gateway/rules/engine/rule-engine.js';

/** The rules' side of a driver test: an engine that only records the readings it is given. */
export function recordingEngine(): { engine: RuleEngine; readings: Reading[] } {
  const readings: Reading[] = [];
  return { engine: { process: (r: Reading) => (readings.push(r), []) } as unknown as RuleEngine, readings };
}
