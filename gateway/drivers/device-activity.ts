import type { Clock } from '../../lib/time/clock.js';
import type { DeviceContext } from '../../contract/device-context.js';

/** The health of a device that reports by itself (MQTT, 4G wristbands), as the status shows it. */
export interface PushedDeviceHealth {
  deviceId: string;
  transport: 'mqtt' | 'watch';
  /**
   * Seen within two of its heartbeats, or said to be online since it was last seen; false at once
   * when it (or its bridge) said it went offline and nothing came from it since.
   */
  online: boolean;
  /** What the device or its bridge last said about itself (an MQTT will, Zigbee2MQTT's availability), and when. */
  reported: { state: 'online' | 'offline'; at: number } | null;
  lastSeenAt: number | null;
  /** Why its last rejected frame was rejected. */
  lastFault: string | null;
  counters: { readings: number; malformed: number };
}

interface Entry {
  health: PushedDeviceHealth;
  heartbeatMs: number;
}

/**
 * Per device that pushes its readings: when it was last seen and what it sent that could not be
 * read. Polled devices keep the same record in their poller; this is its counterpart for
 * devices the gateway only listens to. O(1) per frame.
 */
export class DeviceActivity {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  register(context: DeviceContext, transport: PushedDeviceHealth['transport']): void {
    this.#entries.set(context.deviceId, {
      health: { deviceId: context.deviceId, transport, online: false, reported: null, lastSeenAt: null, lastFault: null, counters: { readings: 0, malformed: 0 } },
      heartbeatMs: context.heartbeatMs,
    });
  }

  /** A frame of the device was read: a reading, or a heartbeat that carries none (a band's LK). */
  seen(deviceId: string, carriedReading = true): void {
    const e = this.#entries.get(deviceId);
    if (!e) return;
    e.health.lastSeenAt = this.clock.now();
    if (carriedReading) e.health.counters.readings++;
  }

  /** A frame of the device could not be read; it still shows the device is alive. */
  malformed(deviceId: string, reason: string): void {
    const e = this.#entries.get(deviceId);
    if (!e) return;
    e.health.lastSeenAt = this.clock.now();
    e.health.lastFault = reason;
    e.health.counters.malformed++;
  }

  /** The device, or the bridge it sits behind, said it is online or offline (its will, its availability topic). */
  reported(deviceId: string, state: 'online' | 'offline'): void {
    const e = this.#entries.get(deviceId);
    if (!e) return;
    e.health.reported = { state, at: this.clock.now() };
  }

  snapshot(): PushedDeviceHealth[] {
    const now = this.clock.now();
    return [...this.#entries.values()].map(({ health, heartbeatMs }) => ({
      ...health,
      online: isOnline(health, heartbeatMs, now),
      reported: health.reported && { ...health.reported },
      counters: { ...health.counters },
    }));
  }
}

/** The latest of a frame and a report decides; either way, two heartbeats without news is offline. */
function isOnline(health: PushedDeviceHealth, heartbeatMs: number, now: number): boolean {
  const seen = health.lastSeenAt ?? -Infinity;
  const reported = health.reported;
  if (reported && reported.at >= seen) return reported.state === 'online' && now - reported.at <= 2 * heartbeatMs;
  return health.lastSeenAt !== null && now - health.lastSeenAt <= 2 * heartbeatMs;
}
