import { z } from 'zod';
import { idSchema } from '../../lib/ids.js';
import { loadConfigFile } from '../../lib/config-file.js';
import { resolveStoryTimes } from './story-times.js';
import { doorModelSchema } from '../models/door.js';
import { electricityModelSchema } from '../models/electricity.js';
import { noiseModelSchema } from '../models/noise.js';
import { sosButtonModelSchema } from '../models/sos-button.js';
import { waterModelSchema } from '../models/water.js';
import { wristbandModelSchema } from '../models/wristband.js';

const instant = z.iso.datetime({ offset: true });
const endpointSchema = z.object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(1).max(65535) }).strict();

/**
 * A fault switched on at `from` and off at `until`. Which faults exist depends on the device's
 * protocol, known once its profile is (simulators/fleet/fault-kinds.ts; checked when the simulation
 * starts, errors naming `devices[i].faults[j].fault`). Windows may overlap: while several are
 * open, the one opened last holds.
 */
export const faultWindowSchema = z
  .object({
    /**
     * MQTT devices and 4G wristbands: silent, garbage. Modbus: silent, crc, garbage,
     * { slow: "3s" }, { exception: 4 }. DL/T 645: silent, checksum, garbage, { slow: "3s" },
     * { error: 2 }.
     */
    fault: z.unknown(),
    from: instant,
    until: instant,
  })
  .strict()
  .refine((w) => Date.parse(w.until) > Date.parse(w.from), { message: 'until must be after from', path: ['until'] });

/** What every simulated device may say, whatever its kind: identity, protocol, faults. */
const deviceShape = {
  id: idSchema,
  /** A firmware profile id; @default per kind (see DEFAULT_PROFILES) */
  profile: z.string().min(1).optional(),
  /** Picks the household's days; the same seed on a household's devices gives one coherent day. @default from the id */
  seed: z.number().int().nonnegative().optional(),
  /** The device's first moment. @default the simulation's start */
  installedAt: instant.optional(),
  // MQTT devices
  /** Its MQTT login. @default username: the device id */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Publish through this bridge's connection (a Zigbee device behind Zigbee2MQTT) instead of its own. */
  bridge: idSchema.optional(),
  /** Name in the topic, when not the device id (a Tasmota topic, a Zigbee2MQTT friendly name). */
  topicName: z.string().regex(/^[^/+#]+$/, 'one topic level: no "/", "+" or "#"').optional(),
  // Modbus and DL/T 645 devices
  /** "modbus-tcp", or the id of one of `lines`. */
  on: z.string().min(1).optional(),
  unitId: z.number().int().min(1).max(247).optional(),
  /** A DL/T 645 meter's 12-digit nameplate address. */
  address: z.string().regex(/^\d{12}$/, "the meter's 12-digit address from its nameplate").optional(),
  // 4G wristbands
  /** Dial in over the 3G watch protocol with this id, instead of MQTT. */
  watchId: z.string().regex(/^[0-9A-Za-z]{4,20}$/, "the band's id, e.g. 8800000101").optional(),
  /** @default none */
  faults: z.array(faultWindowSchema).default([]),
};

// Each kind: the common fields and its model's own (seed and installedAt come from the common ones).
const { seed: _ws, installedAt: _wi, ...waterShape } = waterModelSchema.shape;
const { seed: _ds, installedAt: _di, ...doorShape } = doorModelSchema.shape;
const { installedAt: _si, ...sosShape } = sosButtonModelSchema.shape;
const { seed: _bs, installedAt: _bi, ...wristbandShape } = wristbandModelSchema.shape;
const { seed: _es, installedAt: _ei, ...electricityShape } = electricityModelSchema.shape;
const { seed: _ns, ...noiseShape } = noiseModelSchema.shape;

export const KINDS = ['water', 'door', 'sos-button', 'wristband', 'electricity', 'noise'] as const;
export type DeviceKind = (typeof KINDS)[number];

/** One object schema per kind: the given common fields, the kind's model options, and its tag. */
function kindVariants<S extends z.ZodRawShape>(common: S) {
  return [
    z.object({ ...common, ...waterShape, kind: z.literal('water') }).strict(),
    z.object({ ...common, ...doorShape, kind: z.literal('door') }).strict(),
    z.object({ ...common, ...sosShape, kind: z.literal('sos-button') }).strict(),
    z.object({ ...common, ...wristbandShape, kind: z.literal('wristband') }).strict(),
    z.object({ ...common, ...electricityShape, kind: z.literal('electricity') }).strict(),
    z.object({ ...common, ...noiseShape, kind: z.literal('noise') }).strict(),
  ] as const;
}

export const simulatedDeviceSchema = z.discriminatedUnion('kind', kindVariants(deviceShape));
export type SimulatedDeviceConfig = z.output<typeof simulatedDeviceSchema>;

/** Many devices of one kind: ids `<idPrefix>0001`..., seeds `seedFrom`, `seedFrom + 1`... */
const { id: _id, seed: _seed, address: _address, watchId: _watchId, unitId: _unitId, ...fleetDeviceShape } = deviceShape;
const fleetSchema = z.discriminatedUnion(
  'kind',
  kindVariants({
    ...fleetDeviceShape,
    count: z.number().int().min(1).max(20_000),
    idPrefix: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "_", "." or "-"'),
    /** @default 1 */
    seedFrom: z.number().int().nonnegative().default(1),
  }),
);

const lineSchema = z
  .object({
    id: idSchema,
    protocol: z.enum(['modbus-rtu', 'dlt645']),
    /** A serial port (e.g. one end of a socat pty pair) ... */
    path: z.string().min(1).optional(),
    /** ... or listen on TCP as a serial device server (RS-485 to Ethernet, transparent mode) does. */
    tcp: endpointSchema.optional(),
    /** Of a `path` line only. @default the profile's (SDM120 2400, noise sensor 4800, DL/T 645 2400) */
    baudRate: z.number().int().positive().optional(),
    parity: z.enum(['none', 'even', 'odd']).optional(),
  })
  .strict()
  .superRefine((l, ctx) => {
    if ((l.path === undefined) === (l.tcp === undefined)) ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either path or tcp' });
    if (l.tcp === undefined) return;
    // Refused, as the gateway's config does, rather than ignored: TCP carries bytes, no baud rate or parity.
    for (const key of ['baudRate', 'parity'] as const) {
      if (l[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is for a line on a serial port (path): behind a serial device server (tcp) the simulated devices have no serial side to set` });
    }
  });
export type SimulatedLineConfig = z.output<typeof lineSchema>;

export const simulateConfigSchema = z
  .object({
    /** The gateway's MQTT broker, for MQTT devices, e.g. mqtt://127.0.0.1:1883 */
    broker: z.string().regex(/^mqtts?:\/\/[^/]+/, 'write an MQTT URL such as mqtt://127.0.0.1:1883').optional(),
    /** The gateway's 3G watch listener, which 4G wristbands dial. */
    watchServer: endpointSchema.optional(),
    /** Where the simulated Modbus TCP devices listen (the gateway's bus polls it). */
    modbusTcp: endpointSchema.optional(),
    /** RS-485 lines the simulated Modbus RTU and DL/T 645 devices answer on. @default none */
    lines: z.array(lineSchema).default([]),
    /** Shared MQTT logins (a Zigbee2MQTT bridge publishing for many devices). @default none */
    bridges: z.array(z.object({ id: idSchema, username: z.string().min(1), password: z.string().min(1) }).strict()).default([]),
    /** Directories of extra device profiles, as the gateway's profileDirs. @default none */
    profileDirs: z.array(z.string().min(1)).default([]),
    /** @default none */
    devices: z.array(simulatedDeviceSchema).default([]),
    /** @default none */
    fleets: z.array(fleetSchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.devices.length === 0 && c.fleets.length === 0) ctx.addIssue({ code: 'custom', path: ['devices'], message: 'list at least one device or fleet' });
    const ids = new Map<string, string>();
    const claim = (id: string, where: string, path: Array<string | number>) => {
      const first = ids.get(id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path, message: `${id} is already ${first}` });
      else ids.set(id, where);
    };
    c.lines.forEach((l, i) => claim(l.id, `lines[${i}]`, ['lines', i, 'id']));
    // A bridge logs in with its id as MQTT client id, as a device does: the broker would end one session for the other.
    c.bridges.forEach((b, i) => claim(b.id, `bridges[${i}]`, ['bridges', i, 'id']));
    const lineIds = new Set(['modbus-tcp', ...c.lines.map((l) => l.id)]);
    const bridgeIds = new Set(c.bridges.map((b) => b.id));
    const check = (d: { on?: string | undefined; bridge?: string | undefined }, path: Array<string | number>) => {
      if (d.on !== undefined && !lineIds.has(d.on)) ctx.addIssue({ code: 'custom', path: [...path, 'on'], message: `no line "${d.on}": write modbus-tcp or one of lines[].id` });
      if (d.bridge !== undefined && !bridgeIds.has(d.bridge)) ctx.addIssue({ code: 'custom', path: [...path, 'bridge'], message: `no bridge "${d.bridge}" in bridges` });
    };
    c.devices.forEach((d, i) => {
      claim(d.id, `devices[${i}]`, ['devices', i, 'id']);
      check(d, ['devices', i]);
    });
    c.fleets.forEach((f, i) => check(f, ['fleets', i]));
  });

export type SimulateConfigInput = z.input<typeof simulateConfigSchema>;
export type SimulateConfig = z.output<typeof simulateConfigSchema>;

/**
 * Reads a simulate config whose story (presses, stopsAt, fallAt, nightWork, faults...) may be
 * written relative to `startMs`, the simulator's start: "+9h20m", a time of day "15:20", or ISO.
 */
export function loadSimulateConfig(file: string, startMs: number): SimulateConfig {
  return loadConfigFile(simulateConfigSchema, file, 'simulator config', (raw) => resolveStoryTimes(raw, startMs));
}

/**
 * The devices of the config, fleets expanded: fleet device n is `<idPrefix><n, 4 digits>`, with
 * seed `seedFrom + n - 1`; its number (fleetIndex) gives it a Modbus unit id or a meter address.
 */
export function expandDevices(config: SimulateConfig): Array<{ device: SimulatedDeviceConfig; where: string; fleetIndex?: number }> {
  const out: Array<{ device: SimulatedDeviceConfig; where: string; fleetIndex?: number }> = config.devices.map((device, i) => ({ device, where: `devices[${i}]` }));
  config.fleets.forEach((fleet, f) => {
    const { count, idPrefix, seedFrom, ...rest } = fleet;
    for (let n = 1; n <= count; n++) {
      out.push({ device: { ...rest, id: `${idPrefix}${String(n).padStart(4, '0')}`, seed: seedFrom + n - 1 } as SimulatedDeviceConfig, where: `fleets[${f}] device ${n}`, fleetIndex: n });
    }
  });
  return out;
}
