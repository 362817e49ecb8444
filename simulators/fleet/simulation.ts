import type { MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../../lib/time/clock.js';
import type { Logger } from '../../lib/log.js';
import { InputError } from '../../lib/validation.js';
import { loadProfilesWithFiles } from '../../firmware-profiles/load-files.js';
import type { Profile } from '../../firmware-profiles/schema.js';
import type { ProfileRegistry } from '../../firmware-profiles/index.js';
import { serialSettingsFor } from '../../lib/serial-line.js';
import { expandDevices, type SimulateConfig, type SimulatedDeviceConfig } from './config.js';
import type { DeviceModel } from './device-model.js';
import { SimulatedDlt645Meters } from '../dlt645/meters.js';
import { buildModel, DEFAULT_PROFILES } from './device-kinds.js';
import { parseFault, type FaultKind } from './fault-kinds.js';
import { SimulatedModbusRtu } from '../modbus/rtu-server.js';
import { SimulatedModbusTcp } from '../modbus/tcp-server.js';
import { connectSimulatedClient, SimulatedMqttDevice } from '../mqtt/device.js';
import { mixSeed } from '../../lib/seeded-random.js';
import { WatchBand } from '../watch-3g/band.js';

/** One running simulated device, whatever its protocol. */
export interface RunningDevice {
  id: string;
  kind: SimulatedDeviceConfig['kind'];
  protocol: 'mqtt' | 'modbus-tcp' | 'modbus-rtu' | 'dlt645' | 'watch';
  /** Switches a fault on now (validated for its protocol); 'none' ends it. */
  setFault(fault: unknown): void;
}

export interface Simulation {
  devices: RunningDevice[];
  /** Ports the simulated servers listen on (Modbus TCP, serial device servers), by line id. */
  ports: ReadonlyMap<string, number>;
  /** What was sent so far, by protocol (MQTT publishes, watch frames). */
  counts(): { mqttPublished: number; mqttFailed: number; watchSent: number };
  setFault(deviceId: string, fault: unknown): void;
  stop(): Promise<void>;
}

type Line = { kind: 'modbus'; sim: SimulatedModbusRtu | SimulatedModbusTcp } | { kind: 'dlt645'; sim: SimulatedDlt645Meters };

/**
 * Runs the devices of a simulate config on their real protocols, all on one clock: MQTT clients
 * to the gateway's broker, Modbus TCP slaves and RS-485 lines (serial ports or serial device
 * servers on TCP) the gateway polls, 4G wristbands dialling its watch listener. Faults in the
 * config switch on and off on the clock. A fleet of 1,000 devices runs in one process.
 *
 * Mistakes a schema cannot see are refused before anything is opened, naming the entries: a
 * fault the device's protocol does not have, two devices at one unit id or meter address of a
 * line, an id taken twice once fleets are expanded.
 */
export async function startSimulation(
  config: SimulateConfig,
  /**
   * protocolClock: of reply timeouts and redials (wall time in a real run; see WatchBandOptions),
   * @default clock. startedAt: the story's start, which the config's relative times were
   * resolved against (connecting takes clock time, which must not skip a press due then),
   * @default clock.now()
   */
  deps: { clock: Clock; protocolClock?: Clock; startedAt?: number; logger: Logger; profiles?: ProfileRegistry },
): Promise<Simulation> {
  const { clock, logger } = deps;
  const profiles = deps.profiles ?? loadProfilesWithFiles(config.profileDirs);
  const entries = expandDevices(config);
  // A bridge logs in with its id as MQTT client id, as a device does: one id, one session.
  const seen = new Map<string, string>(config.bridges.map((b, i) => [b.id, `bridges[${i}]`]));
  for (const { device, where } of entries) {
    const first = seen.get(device.id);
    if (first) throw new InputError(`${where}.id: ${device.id} is already ${first}`);
    seen.set(device.id, where);
  }

  /** The devices' install time (unless configured): their report grids start here. */
  const startedAt = deps.startedAt ?? clock.now();
  const stops: Array<() => Promise<void> | void> = [];
  const timers: TimerHandle[] = [];
  const running: RunningDevice[] = [];
  const mqttDevices: SimulatedMqttDevice[] = [];
  const bands: WatchBand[] = [];
  const ports = new Map<string, number>();
  const stopAll = async () => {
    for (const t of timers.splice(0)) clock.clearTimeout(t);
    for (const stop of stops.splice(0).reverse()) await stop();
  };

  try {
    // Which profile each device speaks, checked before anything is opened.
    const resolved = entries.map(({ device, where, fleetIndex }, index) => {
      const seed = device.seed ?? mixSeed(...[...device.id].map((c) => c.charCodeAt(0)));
      const model = buildModel(device, { seed, installedAt: device.installedAt === undefined ? startedAt : Date.parse(device.installedAt) });
      if (device.watchId !== undefined) {
        if (device.kind !== 'wristband') throw new InputError(`${where}.watchId: only a wristband speaks the watch protocol`);
        if (!config.watchServer) throw new InputError(`${where}.watchId: set watchServer (the gateway's watch listener) for 4G wristbands`);
        return { device, where, index, fleetIndex, model, profile: undefined, windows: faultWindows(device, 'watch', where) };
      }
      const profileId = device.profile ?? DEFAULT_PROFILES[device.kind];
      const profile = profiles.get(profileId);
      if (!profile) throw new InputError(`${where}.profile: unknown profile "${profileId}"; known: ${[...profiles.keys()].join(', ')}`);
      if (profile.transport === 'watch-3g') throw new InputError(`${where}.watchId: ${profileId} is a 4G band on the watch protocol; give its watchId`);
      checkModelFitsProfile(model, profile, device, where, clock.now());
      const faultKind = profile.transport === 'mqtt-json' ? 'mqtt' : profile.transport;
      return { device, where, index, fleetIndex, model, profile, windows: faultWindows(device, faultKind, where) };
    });

    // RS-485 lines and the Modbus TCP server, with their devices.
    const lines = new Map<string, Line>();
    const lineDevices = new Map<string, typeof resolved>();
    for (const r of resolved) {
      if (!r.profile || r.profile.transport === 'mqtt-json') continue;
      const on = r.device.on ?? (r.profile.transport === 'modbus' && config.modbusTcp ? 'modbus-tcp' : undefined);
      if (on === undefined) throw new InputError(`${r.where}.on: say where ${r.device.id} answers: modbus-tcp or one of lines[].id`);
      const line = on === 'modbus-tcp' ? undefined : config.lines.find((l) => l.id === on)!;
      const wants = r.profile.transport === 'modbus' ? 'modbus-rtu' : 'dlt645';
      if (on === 'modbus-tcp' ? wants !== 'modbus-rtu' : line!.protocol !== wants) {
        throw new InputError(`${r.where}.on: ${r.profile.id} speaks ${r.profile.transport === 'modbus' ? 'Modbus' : 'DL/T 645'}, and "${on}" is ${on === 'modbus-tcp' ? 'Modbus TCP' : line!.protocol}`);
      }
      if (on === 'modbus-tcp' && !config.modbusTcp) throw new InputError(`${r.where}.on: set modbusTcp (where the simulated Modbus TCP devices listen)`);
      lineDevices.set(on, [...(lineDevices.get(on) ?? []), r]);
    }
    for (const lineId of lineDevices.keys()) {
      const protocol = lineId === 'modbus-tcp' ? 'modbus-tcp' : config.lines.find((l) => l.id === lineId)!.protocol;
      lines.set(
        lineId,
        protocol === 'modbus-tcp'
          ? { kind: 'modbus', sim: new SimulatedModbusTcp({ logger }) }
          : protocol === 'dlt645'
            ? { kind: 'dlt645', sim: new SimulatedDlt645Meters({ logger }) }
            : { kind: 'modbus', sim: new SimulatedModbusRtu({ logger }) },
      );
    }

    // One unit id (Modbus) or meter address (DL/T 645) is one device on a line: a second one
    // would silently take the first one's place.
    const onLine = new Map<string, string>();
    /** `field`: where the entry says it ('.unitId', '.address'), or '' when the profile or fleet decides. */
    const claimOnLine = (line: string, what: string, entry: { where: string; field: string; id: string }, hint: string) => {
      const key = `${line}\n${what}`;
      const first = onLine.get(key);
      if (first !== undefined) throw new InputError(`${entry.where}${entry.field}: ${what} on ${line} is already ${first}; ${hint}`);
      onLine.set(key, `${entry.where} (${entry.id})`);
    };

    for (const r of resolved) {
      const { device, where, model } = r;
      const values = () => model.valuesAt(clock.now());
      if (!r.profile) continue;
      if (r.profile.transport === 'modbus') {
        const on = device.on ?? 'modbus-tcp';
        const line = lines.get(on)!;
        if (line.kind !== 'modbus') continue;
        // A fleet's devices take unit ids 1, 2, ... from their number.
        const unitId = device.unitId ?? r.fleetIndex ?? r.profile.unitId;
        if (unitId > 247) throw new InputError(`${where}: unit id ${unitId} is over 247; a Modbus line holds at most 247 devices`);
        const unitFrom = device.unitId !== undefined ? '' : r.fleetIndex !== undefined ? ' (its number in the fleet)' : ` (${r.profile.id}'s factory setting)`;
        claimOnLine(on, `unit id ${unitId}`, { where, field: device.unitId !== undefined ? '.unitId' : '', id: device.id }, `give each device on a line its own unitId${unitFrom}`);
        line.sim.addSlave(unitId, r.profile, values);
        running.push({
          id: device.id,
          kind: device.kind,
          protocol: on === 'modbus-tcp' ? 'modbus-tcp' : 'modbus-rtu',
          setFault: (fault) => line.sim.setFault(unitId, parseFault('modbus', fault, `${where} fault`)),
        });
      } else if (r.profile.transport === 'dlt645') {
        const line = lines.get(device.on!)!;
        if (line.kind !== 'dlt645') continue;
        const address = device.address ?? (r.fleetIndex === undefined ? undefined : String(r.fleetIndex).padStart(12, '0'));
        if (address === undefined) throw new InputError(`${where}.address: a DL/T 645 meter needs its 12-digit address`);
        const addressFrom = device.address !== undefined ? '' : ' (a fleet meter takes its number in the fleet)';
        claimOnLine(device.on!, `meter address ${address}`, { where, field: device.address !== undefined ? '.address' : '', id: device.id }, `give each meter on a line its own address${addressFrom}`);
        line.sim.add(address, r.profile, values);
        running.push({ id: device.id, kind: device.kind, protocol: 'dlt645', setFault: (fault) => line.sim.setFault(address, parseFault('dlt645', fault, `${where} fault`)) });
      }
    }
    for (const [lineId, line] of lines) {
      stops.push(() => line.sim.stop());
      if (line.sim instanceof SimulatedModbusTcp) {
        ports.set(lineId, await line.sim.start(config.modbusTcp!.port, config.modbusTcp!.host, 'modbusTcp.port'));
        continue;
      }
      const index = config.lines.findIndex((l) => l.id === lineId);
      const spec = config.lines[index]!;
      if (spec.tcp) {
        ports.set(lineId, await line.sim.startTcp(spec.tcp.port, spec.tcp.host, `lines[${index}].tcp.port`));
        continue;
      }
      const factory = lineDevices.get(lineId)!.map((m) => (m.profile as Extract<Profile, { transport: 'modbus' | 'dlt645' }>).serial);
      const settings = serialSettingsFor(spec, factory, `lines[${index}]`);
      await line.sim.start(spec.path!, settings.baudRate, settings.parity);
    }

    // MQTT devices: their own connection, or their bridge's.
    const mqttEntries = resolved.filter((r) => r.profile?.transport === 'mqtt-json');
    if (mqttEntries.length > 0 && !config.broker) throw new InputError(`${mqttEntries[0]!.where}: set broker (the gateway's MQTT broker) for MQTT devices`);
    const bridgeClients = new Map<string, MqttClient>();
    for (const b of config.bridges) {
      if (!mqttEntries.some((r) => r.device.bridge === b.id)) continue;
      const client = await connectSimulatedClient(config.broker!, b.id, { username: b.username, password: b.password }, logger);
      bridgeClients.set(b.id, client);
      stops.push(() => client.endAsync());
    }
    // Connect in waves, as a fleet does after a power cut, but not all at one instant.
    for (let i = 0; i < mqttEntries.length; i += 50) {
      const wave = mqttEntries.slice(i, i + 50);
      const clients = await Promise.all(
        wave.map(async ({ device }) => {
          const shared = device.bridge === undefined ? undefined : bridgeClients.get(device.bridge);
          if (shared) return shared;
          const client = await connectSimulatedClient(config.broker!, device.id, { username: device.username ?? device.id, ...(device.password ? { password: device.password } : {}) }, logger);
          stops.push(() => client.endAsync());
          return client;
        }),
      );
      wave.forEach((r, k) => {
        const sim = new SimulatedMqttDevice({
          deviceId: r.device.id,
          ...(r.device.topicName ? { topicName: r.device.topicName } : {}),
          profile: r.profile as Extract<Profile, { transport: 'mqtt-json' }>,
          model: r.model,
          client: clients[k]!,
          clock,
          from: startedAt,
          logger,
          seed: r.device.seed ?? r.index,
        });
        mqttDevices.push(sim);
        running.push({ id: r.device.id, kind: r.device.kind, protocol: 'mqtt', setFault: (fault) => sim.setFault(parseFault('mqtt', fault, `${r.where} fault`)) });
      });
    }
    for (const sim of mqttDevices) {
      sim.start();
      stops.push(() => sim.stop());
    }

    // 4G wristbands dial the gateway's watch listener.
    for (const r of resolved.filter((e) => e.device.watchId !== undefined)) {
      const band = new WatchBand({
        watchId: r.device.watchId!,
        host: config.watchServer!.host,
        port: config.watchServer!.port,
        model: r.model,
        clock,
        from: startedAt,
        ...(deps.protocolClock ? { protocolClock: deps.protocolClock } : {}),
        logger,
      });
      bands.push(band);
      running.push({
        id: r.device.id,
        kind: r.device.kind,
        protocol: 'watch',
        setFault: (fault) => {
          const f = parseFault('watch', fault, `${r.where} fault`);
          band.silent = f === 'silent';
          band.garbage = f === 'garbage';
        },
      });
      stops.push(() => band.stop());
      await band.start();
    }

    // Fault windows from the config, on the clock: at each window's edge the device takes the
    // fault of the windows open then, so that one window's end does not end another's.
    const byId = new Map(running.map((d) => [d.id, d]));
    for (const { device, where, windows } of resolved) {
      if (windows.length === 0) continue;
      const target = byId.get(device.id)!;
      const now = clock.now();
      const initial = faultAt(windows, now);
      if (initial !== 'none') target.setFault(initial);
      const edges = [...new Set(windows.flatMap((w) => [w.from, w.until]))].filter((t) => t > now).sort((a, b) => a - b);
      for (const t of edges) timers.push(clock.setTimeout(() => target.setFault(faultAt(windows, t)), t - now));
      logger.debug({ device: device.id, windows: windows.length, where: `${where}.faults` }, 'faults scheduled');
    }
  } catch (err) {
    await stopAll();
    if (err instanceof InputError) throw err;
    throw new Error(`cannot start the simulated devices: ${(err as Error).message}; is the gateway running and are the ports free?`, { cause: err });
  }

  const counts = running.reduce<Record<string, number>>((n, d) => ({ ...n, [d.protocol]: (n[d.protocol] ?? 0) + 1 }), {});
  logger.info({ devices: running.length, ...counts, simulatedStart: new Date(startedAt).toISOString() }, 'simulated devices started');
  return {
    devices: running,
    ports,
    counts: () => ({
      mqttPublished: mqttDevices.reduce((n, d) => n + d.published, 0),
      mqttFailed: mqttDevices.reduce((n, d) => n + d.failed, 0),
      watchSent: bands.reduce((n, b) => n + b.counters.sent, 0),
    }),
    setFault(deviceId, fault) {
      const device = running.find((d) => d.id === deviceId);
      if (!device) throw new InputError(`no simulated device ${deviceId}`);
      device.setFault(fault);
    },
    stop: stopAll,
  };
}

/** A fault window of a device, its fault checked for the device's protocol. */
interface FaultWindow {
  fault: unknown;
  from: number;
  until: number;
}

function faultWindows(device: SimulatedDeviceConfig, kind: FaultKind, where: string): FaultWindow[] {
  return device.faults.map((w, i) => ({ fault: parseFault(kind, w.fault, `${where}.faults[${i}].fault`), from: Date.parse(w.from), until: Date.parse(w.until) }));
}

/**
 * The fault at `t`: that of the window open at `t` that opened last (of two opened at once, the
 * one listed last), or none. Overlapping windows are taken, as a config that lays a long outage
 * over a day of flaky replies means it: the outage while it lasts, the flakiness around it.
 */
function faultAt(windows: readonly FaultWindow[], t: number): unknown {
  let open: FaultWindow | undefined;
  for (const w of windows) if (w.from <= t && t < w.until && (!open || w.from >= open.from)) open = w;
  return open ? open.fault : 'none';
}

/** A model that produces none of a profile's metrics is a config mistake (an electricity model on a noise sensor). */
function checkModelFitsProfile(model: DeviceModel, profile: Profile, device: SimulatedDeviceConfig, where: string, now: number): void {
  const produced = Object.keys(model.valuesAt(now));
  const read =
    profile.transport === 'mqtt-json'
      ? [...profile.fields.map((f) => f.metric), ...profile.flags.map((f) => f.metric)]
      : profile.transport === 'watch-3g'
        ? []
        : profile.points.map((p) => p.metric);
  const events = profile.transport === 'mqtt-json' ? profile.events.length : 0;
  if (read.some((m) => produced.includes(m)) || events > 0) return;
  throw new InputError(`${where}.profile: ${profile.id} reads ${read.join(', ')}, which the ${device.kind} model does not produce (it shows ${produced.join(', ')})`);
}
