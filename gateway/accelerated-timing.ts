import { speedOf, type Clock } from '../lib/time/clock.js';
import type { DeviceContext } from '../contract/device-context.js';

/** Wall time a device's heartbeat spans at least on an accelerated clock: a stalled event loop, a GC pause, a busy core. */
const HEARTBEAT_FLOOR_WALL_MS = 5_000;
/**
 * Wall time between two polls of a device at least on an accelerated clock: about a round trip on
 * loopback, so that a 5 min LAeq block (83 ms at 3600x) still holds the night-noise rule's 10 samples.
 */
const POLL_FLOOR_WALL_MS = 2;

/**
 * On an accelerated clock (processes sharing GRIDWATCH_CLOCK) the time between two readings also
 * holds the machine's own latency, multiplied: at 3600x a noise sensor's 1 s poll is 0.3 ms of
 * wall time, shorter than one Modbus round trip, and a 0.2 s pause of the gateway is 12 simulated
 * minutes, longer than two heartbeats of a sub-meter. Taken as they are, they make every polled
 * device "silent" between two readings and well again at the next, thousands of times a day. So
 * a heartbeat is never shorter than a few wall seconds and a poll interval than a round trip, on
 * the clock's time line. On the wall clock (speed 1) nothing changes.
 */
export function acceleratedTiming(clock: Clock): { heartbeatMs: (ms: number) => number; pollIntervalMs: (ms: number) => number } {
  const speed = speedOf(clock);
  if (speed <= 1) return { heartbeatMs: (ms) => ms, pollIntervalMs: (ms) => ms };
  return {
    heartbeatMs: (ms) => Math.max(ms, Math.round(HEARTBEAT_FLOOR_WALL_MS * speed)),
    pollIntervalMs: (ms) => Math.max(ms, Math.round(POLL_FLOOR_WALL_MS * speed)),
  };
}

/** Applies `acceleratedTiming` to the devices of a gateway, in place, before anything runs. */
export function fitDevicesToClock(
  clock: Clock,
  contexts: Iterable<DeviceContext>,
  polled: Iterable<{ pollIntervalMs?: number | undefined; context: DeviceContext }>,
): void {
  const timing = acceleratedTiming(clock);
  for (const c of contexts) c.heartbeatMs = timing.heartbeatMs(c.heartbeatMs);
  for (const p of polled) if (p.pollIntervalMs !== undefined) p.pollIntervalMs = timing.pollIntervalMs(p.pollIntervalMs);
}
