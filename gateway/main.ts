import { speedOf, type Clock } from '../lib/time/clock.js';
import type { Logger } from '../lib/log.js';
import { InputError } from '../lib/validation.js';
import { exampleSecretsWarning } from '../lib/example-secrets.js';
import { exampleSecretsInUse } from './example-secrets-in-use.js';
import type { ProfileRegistry } from '../firmware-profiles/index.js';
import { loadProfilesWithFiles } from '../firmware-profiles/load-files.js';
import { ruleBookOf, type GatewayConfig } from './config.js';
import { openGatewayDatabase } from './store/gateway-database.js';
import { startMqttBroker } from './drivers/mqtt/broker.js';
import { modbusFromConfig } from './drivers/modbus/devices.js';
import type { DeviceHealth, DevicePoller } from './drivers/polling/device-poller.js';
import { dlt645FromConfig } from './drivers/dlt645/devices.js';
import { Dlt645Poller } from './drivers/dlt645/poller.js';
import { ModbusPoller } from './drivers/modbus/poller.js';
import { wristbandsFromConfig } from './drivers/watch-3g/devices.js';
import { WatchServer, type WatchServerCounters } from './drivers/watch-3g/server.js';
import { MqttAcl } from './drivers/mqtt/acl.js';
import { mqttDevicesByTopic } from './drivers/mqtt/devices.js';
import { connectUpstream } from './drivers/mqtt/upstream.js';
import { ResentFrames } from './drivers/mqtt/resends.js';
import { MqttIngest, type MqttIngestCounters } from './drivers/mqtt/ingest.js';
import { Outbox } from './store/outbox.js';
import { RuleEngine } from './rules/engine/rule-engine.js';
import { RuleStateStore } from './rules/engine/state-store.js';
import { ClockWatch } from './clock-watch.js';
import { readingsTee } from './readings-tee.js';
import { fitDevicesToClock } from './accelerated-timing.js';
import { DeviceActivity, type PushedDeviceHealth } from './drivers/device-activity.js';
import { Uptime } from './store/uptime.js';
import { OpenedResources } from './opened-resources.js';
import PQueue from 'p-queue';
import { AlertsUplink, type UplinkStatus } from './uplink/alerts-uplink.js';
import { CloudReachability } from './uplink/cloud-reachability.js';
import type { ReadingSink } from '../contract/reading-sink.js';
import { ReadingsLane, type ReadingsLaneCounts } from './store/readings-lane.js';
import { ReadingsUplink, type ReadingsUplinkStatus } from './uplink/readings-uplink.js';

export interface GatewayDeps {
  clock: Clock;
  logger: Logger;
  profiles?: ProfileRegistry;
  /** How often dirty rule state is written, in wall milliseconds. @default 1000 */
  stateFlushMs?: number;
}

export interface GatewayStatus {
  gatewayId: string;
  mqtt: MqttIngestCounters;
  /** Client mode: whether the upstream broker is connected; null when not configured. */
  upstream: { connected: boolean } | null;
  /** Polled devices (Modbus and DL/T 645): online, last seen, faults by kind. */
  polled: DeviceHealth[];
  /** Devices that report by themselves (MQTT, 4G wristbands): online, last seen, what could not be read. */
  pushed: PushedDeviceHealth[];
  /** The 3G watch listener, when configured. */
  watch: (WatchServerCounters & { port: number }) | null;
  outbox: { pending: number; rejected: number };
  uplink: UplinkStatus;
  /** The readings lane: queued for the cloud, dropped by the quota, and its uplink. */
  readings: ReadingsLaneCounts & { uplink: ReadingsUplinkStatus | null };
  /** Since when (clock ms) the cloud has not answered for longer than cloud.unreachableAfter; null while it answers. */
  cloudUnreachableSince: number | null;
}

export interface GatewayHandle {
  mqttPort: number;
  outbox: Outbox;
  uplink: AlertsUplink;
  readings: ReadingsLane;
  readingsUplink: ReadingsUplink | null;
  status(): GatewayStatus;
  /**
   * Takes the rules, households and tag overrides of a new config (already validated); rules
   * whose definition did not change for a household keep their state.
   */
  replaceRules(config: GatewayConfig): void;
  /** Stops taking frames, writes rule state, waits for an in-flight delivery, closes the database. */
  close(): Promise<void>;
}

/**
 * The gateway's composition root: database -> outbox, rule state and readings lane -> rule engine
 * -> readings tee -> drivers (MQTT broker and upstream, Modbus, DL/T 645, 4G bands) -> uplinks.
 */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps): Promise<GatewayHandle> {
  const { clock, logger } = deps;
  const token = config.cloud.token ?? process.env.GRIDWATCH_GATEWAY_TOKEN;
  if (!token) throw new InputError('cloud.token: no gateway token; set it in the config or in GRIDWATCH_GATEWAY_TOKEN');
  const examples = exampleSecretsInUse(config, token);
  if (examples.length > 0) logger.warn({ keys: examples }, exampleSecretsWarning(examples));
  const profiles = deps.profiles ?? loadProfilesWithFiles(config.profileDirs);
  const devices = mqttDevicesByTopic(config.devices, profiles);
  const modbusLines = modbusFromConfig(config.modbus.buses, profiles, logger.child({ component: 'modbus' }));
  const modbusDevices = modbusLines.flatMap((l) => l.devices);
  const dltLines = dlt645FromConfig(config.dlt645.lines, profiles, logger.child({ component: 'dlt645' }));
  const dltDevices = dltLines.flatMap((l) => l.devices);
  const wristbands = wristbandsFromConfig(config.watch, profiles);
  fitDevicesToClock(
    clock,
    [...[...devices.values()].map((d) => d.context), ...modbusDevices.map((d) => d.context), ...dltDevices.map((d) => d.context), ...wristbands.values()],
    [...modbusDevices, ...dltDevices],
  );

  // Everything opened from here on is released, newest first, when a later step fails (a port
  // in use, a serial port that is not there), so the process exits with the error instead of
  // staying up with its database open.
  const opened = new OpenedResources(logger);
  const db = openGatewayDatabase(config.dataDir);
  opened.add('database', () => db.close());
  opened.add('Modbus and DL/T 645 lines', () => Promise.all([...modbusLines.map((l) => l.bus.close()), ...dltLines.map((l) => l.line.close())]));
  try {
    const outbox = new Outbox(db);
    const retried = outbox.retryRejected();
    if (retried > 0) logger.warn({ alerts: retried }, 'alerts the cloud rejected before are offered again');
    const runs = new Uptime(db);
    const { offline, stepMs } = runs.begin(clock.now());
    const states = new RuleStateStore(db, logger.child({ component: 'rules' }));
    const engine = new RuleEngine({
      gatewayId: config.gatewayId,
      book: ruleBookOf(config),
      devices: [...[...devices.values()].map((d) => d.context), ...modbusDevices.map((d) => d.context), ...dltDevices.map((d) => d.context), ...wristbands.values()],
      clock,
      timeZone: config.timeZone,
      db,
      outbox,
      states,
      offline,
      checkClock: () => clockWatch.check(),
      logger: logger.child({ component: 'rules' }),
    });
    const clockWatch = new ClockWatch({
      clock,
      // Two readings of an accelerated clock are two instants: 1 ms apart is an hour at 3600x, not a step.
      toleranceMs: 2_000 * speedOf(clock),
      logger: logger.child({ component: 'clock' }),
      onStep: (deltaMs) => {
        engine.shiftTime(deltaMs);
        runs.shift(deltaMs);
      },
      onSuspend: (from, to) => {
        engine.addOffline(from, to);
        runs.recordGap(from, to);
      },
    });
    engine.start();
    opened.add('rule engine', () => engine.stop());

    // Every reading goes to the rules (which commit any alert before returning) and, for the
    // cloud's telemetry, to the readings lane (group-committed; drivers acknowledge after it).
    const lane = new ReadingsLane(db, { quotaBytes: config.cloud.readingsQuota, logger: logger.child({ component: 'readings' }) });
    opened.add('readings lane', () => lane.close());
    const sink: ReadingSink = config.cloud.sendReadings ? readingsTee(engine, lane) : engine;
    if (stepMs !== 0) {
      logger.warn({ stepMs }, 'the clock is earlier than when this gateway last ran; stored times are moved by the difference');
      engine.shiftTime(stepMs);
    }
    clockWatch.start();
    opened.add('clock watch', () => clockWatch.stop());

    // Last seen and unreadable frames, per device that reports by itself.
    const activity = new DeviceActivity(clock);
    for (const d of devices.values()) activity.register(d.context, 'mqtt');
    for (const w of wristbands.values()) activity.register(w, 'watch');
    const ingest = new MqttIngest(devices, sink, activity, clock, logger.child({ component: 'mqtt' }), new ResentFrames(db));
    const byId = new Map([...devices.values()].map((d) => [d.context.deviceId, d]));
    const acl = new MqttAcl(
      {
        devices: config.devices.flatMap((d) =>
          d.mqttPasswordSha256 ? [{ device: byId.get(d.id)!, username: d.mqttUsername ?? d.id, passwordSha256: d.mqttPasswordSha256 }] : [],
        ),
        bridges: config.mqtt.bridges,
        allowAnonymous: config.mqtt.allowAnonymous,
      },
      devices,
    );
    if (config.mqtt.allowAnonymous) logger.warn('MQTT clients without credentials may publish device topics: use this on a closed network only');
    const broker = await startMqttBroker({
      host: config.mqtt.host,
      port: config.mqtt.port,
      maxPayloadBytes: config.mqtt.maxPayloadBytes,
      acl,
      ratePerClient: config.mqtt.ratePerClient,
      ratePerClientBurst: config.mqtt.ratePerClientBurst,
      isUrgent: (topic) => (devices.get(topic)?.profile.events.length ?? 0) > 0,
      ...(config.mqtt.retained ? { retainedLimits: config.mqtt.retained } : {}),
      logger: logger.child({ component: 'mqtt' }),
      onFrame: (topic, payload, clientId, messageId) => ingest.handle(topic, payload, clientId, messageId),
      onVerdict: (verdict) => ingest.count(verdict),
    });
    opened.add('MQTT broker', () => broker.close());

    const upstreamConfig = config.mqtt.upstream;
    const upstream =
      upstreamConfig &&
      connectUpstream({
        url: upstreamConfig.url,
        clientId: upstreamConfig.clientId ?? `gridwatch-${config.gatewayId}`,
        username: upstreamConfig.username,
        password: upstreamConfig.password ?? process.env.GRIDWATCH_UPSTREAM_PASSWORD,
        topics: [...devices.keys()],
        onFrame: (topic, payload, messageId) => ingest.handle(topic, payload, 'upstream', messageId),
        logger: logger.child({ component: 'mqtt-upstream' }),
      });
    if (upstream) opened.add('upstream MQTT connection', () => upstream.close());

    // One request queue for both lanes: alerts take the first free connection.
    const requests = new PQueue({ concurrency: 2 });
    const reachability = new CloudReachability({ clock, logger: logger.child({ component: 'uplink' }), unreachableAfterMs: config.cloud.unreachableAfter });
    reachability.describeWith(() => ({ alertsPending: outbox.counts().pending, readingsQueued: lane.counts().queued }));
    opened.add('cloud reachability', () => reachability.stop());
    const uplink = new AlertsUplink({
      requests,
      reachability,
      outbox,
      cloudUrl: config.cloud.url,
      token,
      clock,
      logger: logger.child({ component: 'uplink' }),
      batchSize: config.cloud.batchSize,
      retryInitialMs: config.cloud.retryInitial,
      retryMaxMs: config.cloud.retryMax,
      requestTimeoutMs: config.cloud.requestTimeout,
    });
    uplink.start();
    opened.add('uplink', () => uplink.stop());
    const readingsUplink = config.cloud.sendReadings
      ? new ReadingsUplink({
          lane,
          requests,
          reachability,
          cloudUrl: config.cloud.url,
          token,
          clock,
          logger: logger.child({ component: 'uplink' }),
          batchSize: config.cloud.readingsBatchSize,
          lingerMs: config.cloud.readingsLinger,
          retryInitialMs: config.cloud.retryInitial,
          retryMaxMs: config.cloud.retryMax,
          requestTimeoutMs: config.cloud.requestTimeout,
        })
      : null;
    readingsUplink?.start();
    if (readingsUplink) opened.add('readings uplink', () => readingsUplink.stop());

    if (config.watch && !config.rules.some((r) => r.kind === 'event' && r.event === 'unreadable_alarm')) {
      logger.warn('no event rule for "unreadable_alarm": an alarm a 4G band sends that cannot be read raises nothing (the catalogue\'s unreadable-alarm rule does)');
    }
    const bandServer =
      config.watch &&
      new WatchServer({
        host: config.watch.host,
        port: config.watch.port,
        maxConnections: config.watch.maxConnections,
        bindToFirstAddress: config.watch.bindToFirstAddress,
        devices: wristbands,
        sink,
        activity,
        clock,
        logger: logger.child({ component: 'watch' }),
      });
    if (bandServer) opened.add('watch listener', () => bandServer.stop());
    await bandServer?.start();

    const pollers: DevicePoller[] = [
      ...modbusLines.flatMap(({ bus, devices: onBus }) => onBus.map((device) => new ModbusPoller(device, bus, sink, clock, logger.child({ component: 'modbus' })))),
      ...dltLines.flatMap(({ line, devices: onLine }) => onLine.map((device) => new Dlt645Poller(device, line, sink, clock, logger.child({ component: 'dlt645' })))),
    ];
    for (const poller of pollers) poller.start();
    opened.add('pollers', () => Promise.all(pollers.map((p) => p.stop())));

    // Housekeeping in wall time (not the injected clock): how much state a crash may lose.
    const flush = () => {
      try {
        // A step not yet seen would put alive_at on a time line the runs table is then shifted off.
        clockWatch.check();
        states.flush(clock.now());
        runs.alive(clock.now());
      } catch (err) {
        // Dirty state stays in memory and goes with the next flush; alerts are committed on their own.
        logger.error({ err, dataDir: config.dataDir }, 'cannot write rule state; check the disk of the data directory');
      }
    };
    const flushTimer = setInterval(flush, deps.stateFlushMs ?? 1_000);
    flushTimer.unref();
    opened.add('state flush timer', () => clearInterval(flushTimer));

    logger.info(
      { gatewayId: config.gatewayId, devices: devices.size + modbusDevices.length + dltDevices.length, rules: config.rules.map((r) => r.id), households: config.households.length, mqttPort: broker.port, pending: outbox.counts().pending },
      'gateway started',
    );

    return {
      mqttPort: broker.port,
      outbox,
      uplink,
      readings: lane,
      readingsUplink,
      replaceRules: (next) => engine.replaceRules(ruleBookOf(next)),
      status: () => ({ gatewayId: config.gatewayId, mqtt: { ...ingest.counters }, upstream: upstream ? { connected: upstream.connected() } : null, polled: pollers.map((p) => p.health()), pushed: activity.snapshot(),
        watch: bandServer ? { ...bandServer.counters, port: bandServer.port } : null, outbox: outbox.counts(), uplink: uplink.status(),
        readings: { ...lane.counts(), uplink: readingsUplink?.status() ?? null }, cloudUnreachableSince: reachability.unreachableSince }),
      async close() {
        clearInterval(flushTimer);
        await broker.close();
        await upstream?.close();
        await bandServer?.stop();
        await Promise.all(pollers.map((p) => p.stop()));
        await Promise.all([...modbusLines.map((l) => l.bus.close()), ...dltLines.map((l) => l.line.close())]);
        clockWatch.stop();
        engine.stop();
        flush();
        await uplink.stop();
        await readingsUplink?.stop();
        reachability.stop();
        lane.close();
        db.close();
        logger.info({ gatewayId: config.gatewayId }, 'gateway stopped');
      },
    };
  } catch (err) {
    logger.info({ gatewayId: config.gatewayId }, 'gateway did not start; closing what it opened');
    await opened.releaseAll();
    throw err;
  }
}
