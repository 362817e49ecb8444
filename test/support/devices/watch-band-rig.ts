import type { Reading } from '../../../contract/reading.js';
import { silentLogger } from '../../../lib/log.js';
import { WatchServer } from '../../../gateway/drivers/watch-3g/server.js';
import type { RuleEngine } from '../../../gateway/rules/engine/rule-engine.js';
import type { DeviceContext } from '../../../contract/device-context.js';
import { ruleHarness, type RuleHarness } from '../rules/rule-harness.js';
import { tempDir } from '../temp-dir.js';

export const WATCH_ID = '8809008845';
export const BAND: DeviceContext = { deviceId: 'band-1', householdId: 'hh-1', heartbeatMs: 10 * 60_000 };

export interface WatchRig {
  harness: RuleHarness;
  server: WatchServer;
  /** Every reading the server handed to the engine (also those whose commit then failed). */
  readings: Reading[];
  /** Stops the listener (closing every band's connection); `restart` listens again on the same port. */
  stopServer(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The gateway's side of a 4G band test: the real WatchServer in front of the real rule engine
 * (default catalogue, SQLite outbox), on the harness's VirtualClock, knowing one band.
 */
export async function watchRig(port = 0): Promise<WatchRig> {
  const harness = ruleHarness(tempDir(), { devices: [BAND] });
  const readings: Reading[] = [];
  const engine = {
    process: (reading: Reading, device: DeviceContext) => {
      readings.push(reading);
      return harness.engine.process(reading, device);
    },
  } as unknown as RuleEngine;
  const make = (p: number) =>
    new WatchServer({ host: '127.0.0.1', port: p, devices: new Map([[WATCH_ID, BAND]]), sink: engine, clock: harness.clock, logger: silentLogger() });
  const rig: WatchRig = {
    harness,
    server: make(port),
    readings,
    stopServer: () => rig.server.stop(),
    async restart() {
      rig.server = make(rig.server.port);
      await rig.server.start();
    },
    async close() {
      await rig.server.stop();
      harness.close();
    },
  };
  await rig.server.start();
  return rig;
}

/** Waits (in real time, up to 5 s) for something the network delivers. */
export async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
