import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/log.js';
import { InputError } from '../lib/validation.js';
import { loadProfiles, type ProfileRegistry } from '../firmware-profiles/index.js';
import type { SimulateConfig } from './config.js';
import { SimulatedWaterMeter } from './mqtt-water-meter.js';
import { WaterRoutine } from './water-routine.js';

export interface WaterFleet {
  meters: SimulatedWaterMeter[];
  /** Readings published so far, all meters. */
  published(): number;
  stop(): Promise<void>;
}

/** Starts one simulated water meter per configured household, all on the given clock. */
export async function startWaterFleet(
  config: SimulateConfig,
  deps: { clock: Clock; logger: Logger; profiles?: ProfileRegistry },
): Promise<WaterFleet> {
  const profiles = deps.profiles ?? loadProfiles();
  const meters = config.meters.map((m, i) => {
    const profile = profiles.get(m.profile);
    if (!profile) throw new InputError(`meters[${i}].profile: unknown profile "${m.profile}"`);
    if (profile.transport !== 'mqtt-json') throw new InputError(`meters[${i}].profile: ${m.profile} is not an MQTT device`);
    return new SimulatedWaterMeter({
      deviceId: m.deviceId,
      topicName: m.topicName,
      profile,
      routine: new WaterRoutine({ seed: m.seed, stopsAt: m.stopsAt === undefined ? undefined : Date.parse(m.stopsAt) }),
      brokerUrl: config.broker,
      intervalMs: config.interval,
      initialVolumeL: m.initialVolumeL,
      installedAt: deps.clock.now(),
      clock: deps.clock,
      logger: deps.logger,
      ...(m.password ? { username: m.username ?? m.deviceId, password: m.password } : {}),
    });
  });
  try {
    await Promise.all(meters.map((m) => m.start()));
  } catch (err) {
    await Promise.all(meters.map((m) => m.stop()));
    throw new Error(`cannot connect the simulated meters to ${config.broker}: ${(err as Error).message}; is the gateway running?`);
  }
  deps.logger.info({ meters: meters.length, broker: config.broker }, 'simulated water meters started');
  return {
    meters,
    published: () => meters.reduce((n, m) => n + m.published, 0),
    stop: async () => {
      await Promise.all(meters.map((m) => m.stop()));
    },
  };
}
