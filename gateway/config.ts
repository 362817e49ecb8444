import { z } from 'zod';
import { byteSizeSchema } from '../lib/byte-size.js';
import { durationSchema } from '../lib/time/duration.js';
import { idSchema } from '../lib/ids.js';
import { sha256HexSchema } from '../lib/tokens.js';
import { DEFAULT_TIME_ZONE, timeZoneSchema } from '../lib/time/local-time.js';
import { loadConfigFile } from '../lib/config-file.js';
import { DEFAULT_RETAINED_LIMITS } from './drivers/mqtt/retained.js';
import { DEFAULT_RULES, DEFAULT_TAG_OVERRIDES } from './rules/book/defaults.js';
import { buildRuleBook, householdSchema, resolveRuleBook, tagOverrideSchema, type RuleBook } from './rules/book/rule-book.js';

export const deviceConfigSchema = z
  .object({
    /** Not "household:..." (reserved for the household-wide rules' state). */
    id: idSchema.refine((id) => !id.startsWith('household:'), 'ids starting with "household:" are reserved'),
    householdId: idSchema,
    /** A firmware profile id, `<vendor>/<model>`. */
    profile: z.string().min(1),
    /** Its MQTT login, when it connects to the gateway's broker itself. @default the device id */
    mqttUsername: z.string().min(1).max(64).optional(),
    /** SHA-256 of its MQTT password (gridwatch token makes one). */
    mqttPasswordSha256: sha256HexSchema.optional(),
    /** Name the device uses in its topic, when it is not the device id (e.g. a Tasmota topic). */
    topicName: z
      .string()
      .regex(/^[^/+#]+$/, 'one topic level: no "/", "+" or "#"')
      .optional(),
  })
  .strict();
export type DeviceConfig = z.infer<typeof deviceConfigSchema>;

/** A reply timeout set in gateway.yaml: long enough for a slow RS-485 line, short enough not to stall it. */
const replyTimeoutSchema = durationSchema.refine((ms) => ms >= 20 && ms <= 30_000, 'a reply timeout between 20ms and 30s');

/** A Modbus device on a bus: its profile says how to read it. */
export const modbusDeviceConfigSchema = z
  .object({
    id: deviceConfigSchema.shape.id,
    householdId: idSchema,
    profile: z.string().min(1),
    /** @default the profile's unitId */
    unitId: z.number().int().min(1).max(247).optional(),
    /** How often it is read. @default the profile's */
    pollInterval: durationSchema.optional(),
    /** How long its reply may take (a slow RS-485 sensor). @default the bus's, else the profile's */
    responseTimeout: replyTimeoutSchema.optional(),
  })
  .strict();

/**
 * A serial device server (串口服务器, e.g. a USR-TCP232 in transparent mode): the RS-485 line's
 * raw bytes over TCP. Its serial settings are set on the box itself.
 */
const serialDeviceServerSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();

const serialSettingFields = {
  baudRate: z.number().int().positive().optional(),
  parity: z.enum(['none', 'even', 'odd']).optional(),
  dataBits: z.union([z.literal(7), z.literal(8)]).optional(),
  stopBits: z.union([z.literal(1), z.literal(2)]).optional(),
};

const MODBUS_LINKS = ['tcp', 'rtu', 'rtuOverTcp'] as const;

export const modbusBusConfigSchema = z
  .object({
    id: idSchema,
    /** A Modbus TCP gateway (or device). */
    tcp: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).default(502) }).strict().optional(),
    /** An RS-485 line on a serial port; settings default to the devices' profiles. */
    rtu: z
      .object({ path: z.string().min(1), ...serialSettingFields })
      .strict()
      .optional(),
    /** An RS-485 line behind a serial device server: Modbus RTU frames, CRCs and all, over TCP. */
    rtuOverTcp: serialDeviceServerSchema.optional(),
    /** How long a reply may take on this bus, for every device that does not set its own. @default each profile's */
    responseTimeout: replyTimeoutSchema.optional(),
    devices: z.array(modbusDeviceConfigSchema).min(1, 'list the devices on this bus'),
  })
  .strict()
  .superRefine((b, ctx) => {
    const given = MODBUS_LINKS.filter((k) => b[k] !== undefined);
    if (given.length === 0) ctx.addIssue({ code: 'custom', path: ['tcp'], message: 'give one of tcp, rtu or rtuOverTcp' });
    for (const extra of given.slice(1)) ctx.addIssue({ code: 'custom', path: [extra], message: `give only one of tcp, rtu or rtuOverTcp (${given[0]} is given)` });
  });
export type ModbusBusConfig = z.infer<typeof modbusBusConfigSchema>;

/** An RS-485 line of DL/T 645-2007 meters and the meters on it (by nameplate address). */
export const dlt645LineConfigSchema = z
  .object({
    id: idSchema,
    /** The serial port of the line. */
    path: z.string().min(1).optional(),
    /** Or the serial device server the line is on (its raw DL/T 645 frames over TCP). */
    tcp: serialDeviceServerSchema.optional(),
    /** Serial settings of a `path` line default to the meters' profiles (DL/T 645-2007: 2400 8E1). */
    ...serialSettingFields,
    devices: z
      .array(
        z
          .object({
            id: deviceConfigSchema.shape.id,
            householdId: idSchema,
            profile: z.string().min(1),
            address: z.string().regex(/^\d{12}$/, "the meter's 12-digit address from its nameplate"),
            /** How often it is read. @default the profile's */
            pollInterval: durationSchema.optional(),
            /** How long its reply may take. @default the line's, else the profile's */
            responseTimeout: replyTimeoutSchema.optional(),
          })
          .strict(),
      )
      .min(1, 'list the meters on this line'),
    /** How long a reply may take on this line, for every meter that does not set its own. @default each profile's */
    responseTimeout: replyTimeoutSchema.optional(),
  })
  .strict()
  .superRefine((line, ctx) => {
    if ((line.path === undefined) === (line.tcp === undefined)) {
      ctx.addIssue({ code: 'custom', path: [line.path === undefined ? 'path' : 'tcp'], message: 'give either path (a serial port) or tcp (a serial device server)' });
    }
    if (line.tcp === undefined) return;
    for (const key of Object.keys(serialSettingFields) as Array<keyof typeof serialSettingFields>) {
      if (line[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'a line behind a serial device server takes its serial settings from the box: set them there' });
    }
  });
export type Dlt645LineConfig = z.infer<typeof dlt645LineConfigSchema>;

export const gatewayConfigSchema = z
  .object({
    gatewayId: idSchema,
    /** Directories of extra device profiles, one .json/.yaml file each. @default none */
    profileDirs: z.array(z.string().min(1)).default([]),
    /** Local time of the households (days, night windows). @default Asia/Shanghai */
    timeZone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
    /** Where the gateway keeps its SQLite file (outbox and rule state). @default ./data/gateway */
    dataDir: z.string().min(1).default('./data/gateway'),
    mqtt: z
      .object({
        /** @default 0.0.0.0 */
        host: z.string().default('0.0.0.0'),
        /** 0 = any free port. @default 1883 */
        port: z.number().int().min(0).max(65535).default(1883),
        /** Larger payloads are refused and the client disconnected. @default 65536 */
        maxPayloadBytes: z.number().int().positive().default(65_536),
        /**
         * Per client, messages a second on average (bursts up to ratePerClientBurst). A client over
         * it is not read until its average allows (TCP pushes back; nothing is dropped), and a
         * flood never delays new connections or other devices' SOS. Raise it for a bridge that
         * carries a whole building. @default 20
         */
        ratePerClient: z.number().positive().default(20),
        /** @default 100 */
        ratePerClientBurst: z.number().int().positive().default(100),
        /**
         * Let clients without credentials publish to device topics. Only for a closed network:
         * anyone who can reach the port could then forge a meter's readings. @default false
         */
        allowAnonymous: z.boolean().default(false),
        /**
         * Caps on the retained messages the broker keeps in memory, per client identity and in
         * total; over a cap a retained publish is taken as a plain one. Each @default as in
         * gateway/drivers/mqtt/retained.ts (200 messages / 4 MiB a client, 10,000 / 64 MiB in all).
         */
        retained: z
          .object({
            perClientMessages: z.number().int().min(1).default(DEFAULT_RETAINED_LIMITS.perClientMessages),
            perClientBytes: z.number().int().min(1).default(DEFAULT_RETAINED_LIMITS.perClientBytes),
            totalMessages: z.number().int().min(1).default(DEFAULT_RETAINED_LIMITS.totalMessages),
            totalBytes: z.number().int().min(1).default(DEFAULT_RETAINED_LIMITS.totalBytes),
          })
          .strict()
          .optional(),
        /** Clients that publish for many devices (a Zigbee2MQTT bridge), limited to topic filters. */
        bridges: z
          .array(
            z
              .object({
                username: z.string().min(1).max(64),
                passwordSha256: sha256HexSchema,
                topics: z.array(z.string().min(1).refine((t) => !t.startsWith('$') && t !== '#', 'not # or $SYS: give the bridge its own prefix, e.g. "zigbee2mqtt/#"')).min(1),
                /**
                 * Payloads on the bridge's topics that are not device data (Zigbee2MQTT's retained
                 * `bridge/devices`, 100+ KB with 25 devices) may be this large; its device frames
                 * keep maxPayloadBytes. @default 1048576 (1 MiB)
                 */
                maxIgnoredPayloadBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1_048_576),
              })
              .strict(),
          )
          .default([]),
        /**
         * Client mode: also subscribe to the device topics on an existing broker (e.g. the
         * Mosquitto of a Zigbee2MQTT installation). The password may come from
         * GRIDWATCH_UPSTREAM_PASSWORD instead.
         */
        upstream: z
          .object({
            url: z.string().regex(/^mqtts?:\/\/[^/]+/, 'write an MQTT URL such as mqtt://127.0.0.1:1883'),
            /** @default gridwatch-<gatewayId> */
            clientId: z.string().min(1).max(64).optional(),
            username: z.string().optional(),
            password: z.string().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({ host: '0.0.0.0', port: 1883, maxPayloadBytes: 65_536, ratePerClient: 20, ratePerClientBurst: 100, allowAnonymous: false, bridges: [] }),
    cloud: z
      .object({
        url: z.url({ protocol: /^https?$/ }),
        /** This gateway's ingest token; GRIDWATCH_GATEWAY_TOKEN in the environment is used when absent. */
        token: z.string().min(16).optional(),
        /** @default 100 */
        batchSize: z.number().int().min(1).max(500).default(100),
        /** @default "1s" */
        retryInitial: durationSchema.default(1_000),
        /** @default "60s" */
        retryMax: durationSchema.default(60_000),
        /** @default "10s" */
        requestTimeout: durationSchema.default(10_000),
        /** Send every reading for the cloud's telemetry (its own lane, behind alerts). @default true */
        sendReadings: z.boolean().default(true),
        /** Readings per request. @default 2000 */
        readingsBatchSize: z.number().int().min(1).max(5_000).default(2_000),
        /** Readings wait up to this long to fill a batch. @default "10s" */
        readingsLinger: durationSchema.default(10_000),
        /**
         * Disk the queued readings may take while the cloud is away; past it the oldest are
         * dropped and counted (alerts are never dropped). @default "256MiB"
         */
        readingsQuota: byteSizeSchema.default(256 * 1024 * 1024),
        /** After failing this long the cloud counts as unreachable, and the gateway says so. @default "3m" */
        unreachableAfter: durationSchema.default(180_000),
      })
      .strict(),
    /** MQTT devices. */
    devices: z.array(deviceConfigSchema).default([]),
    /** Modbus lines and the devices on them. @default none */
    modbus: z.object({ buses: z.array(modbusBusConfigSchema).default([]) }).strict().default({ buses: [] }),
    /** 4G wristbands speaking the 3G watch protocol, which dial in over TCP. @default none */
    watch: z
      .object({
        /**
         * The interface to listen on: the one the bands' private APN (or the allow-listed
         * network) arrives on. The protocol has no authentication. @default 0.0.0.0
         */
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535),
        /** Connections at once; more are closed as they come. @default 1000 */
        maxConnections: z.number().int().positive().default(1_000),
        /**
         * Take a band's messages only from the address it first sent from (since the gateway
         * started): for a private APN with fixed addresses. Leave off where a band's address
         * changes (a public APN, carrier NAT). @default false
         */
        bindToFirstAddress: z.boolean().default(false),
        devices: z
          .array(
            z
              .object({
                id: deviceConfigSchema.shape.id,
                householdId: idSchema,
                /** The id the band sends (its IMEI or registration code). */
                watchId: z.string().regex(/^[0-9A-Za-z]{4,20}$/, "the band's id as it sends it, e.g. 8809008845"),
                /** Its firmware profile (a watch-3g one: how often it links in). @default generic/watch-3g-band */
                profile: z.string().min(1).default('generic/watch-3g-band'),
              })
              .strict(),
          )
          .min(1, 'list the wristbands'),
      })
      .strict()
      .optional(),
    /** DL/T 645-2007 meter lines. @default none */
    dlt645: z.object({ lines: z.array(dlt645LineConfigSchema).default([]) }).strict().default({ lines: [] }),
    /**
     * The rules, as data (each checked against its kind's schema, with overrides applied per
     * household at start). @default the catalogue in gateway/rules/book/defaults.ts
     */
    rules: z.array(z.record(z.string(), z.unknown())).default(() => DEFAULT_RULES.map((r) => ({ ...r }))),
    /** @default the catalogue's: 12 h without water for an elder of 80+ living alone */
    tagOverrides: z.array(tagOverrideSchema).default(() => DEFAULT_TAG_OVERRIDES.map((t) => tagOverrideSchema.parse(t))),
    /** Households with tags, overrides or a reported absence; others get the plain rules. */
    households: z.array(householdSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.devices.length === 0 && config.modbus.buses.length === 0 && config.dlt645.lines.length === 0 && !config.watch) {
      ctx.addIssue({ code: 'custom', path: ['devices'], message: 'list at least one device' });
    }
    const ids = new Map<string, string>();
    const claim = (id: string, where: Array<string | number>) => {
      const first = ids.get(id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [...where, 'id'], message: `${id} is already ${first}` });
      else ids.set(id, where.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(1));
    };
    config.devices.forEach((d, i) => claim(d.id, ['devices', i]));
    const watchIds = new Map<string, number>();
    config.watch?.devices.forEach((d, i) => {
      claim(d.id, ['watch', 'devices', i]);
      const other = watchIds.get(d.watchId);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['watch', 'devices', i, 'watchId'], message: `${d.watchId} is already devices[${other}]` });
      else watchIds.set(d.watchId, i);
    });
    config.dlt645.lines.forEach((line, l) => {
      const addresses = new Map<string, number>();
      line.devices.forEach((d, i) => {
        claim(d.id, ['dlt645', 'lines', l, 'devices', i]);
        const other = addresses.get(d.address);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['dlt645', 'lines', l, 'devices', i, 'address'], message: `${d.address} is already devices[${other}] on this line` });
        else addresses.set(d.address, i);
      });
    });
    config.modbus.buses.forEach((bus, b) => {
      const units = new Map<number, number>();
      bus.devices.forEach((d, i) => {
        claim(d.id, ['modbus', 'buses', b, 'devices', i]);
        if (d.unitId === undefined) return;
        const other = units.get(d.unitId);
        if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['modbus', 'buses', b, 'devices', i, 'unitId'], message: `unit ${d.unitId} is already devices[${other}] on this bus` });
        else units.set(d.unitId, i);
      });
    });
    const ruleIds = new Set<unknown>();
    config.rules.forEach((r, i) => {
      if (ruleIds.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `rule ${String(r.id)} is defined twice` });
      ruleIds.add(r.id);
    });
    const households = new Set<string>();
    config.households.forEach((h, i) => {
      if (households.has(h.id)) ctx.addIssue({ code: 'custom', path: ['households', i, 'id'], message: `household ${h.id} is listed twice` });
      households.add(h.id);
    });
    // Every rule, as each household sees it after its overrides: errors name where they were written.
    const { book, issues } = resolveRuleBook(config.rules, config.households, config.tagOverrides);
    for (const issue of issues) ctx.addIssue({ code: 'custom', path: [], message: `${issue.path}: ${issue.message}` });
    if (book) ruleBooks.set(config, book);
  });

/** The rule book built while a config was validated, so that a start does not build it twice. */
const ruleBooks = new WeakMap<object, RuleBook>();

/** The rule book of a validated config (built again only for a config that did not come through the schema). */
export function ruleBookOf(config: Pick<GatewayConfig, 'rules' | 'households' | 'tagOverrides'>): RuleBook {
  return ruleBooks.get(config) ?? buildRuleBook(config.rules, config.households, config.tagOverrides);
}

export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** Reads and validates a gateway YAML (or JSON) file; errors name the file and each field. */
export function loadGatewayConfig(file: string): GatewayConfig {
  return loadConfigFile(gatewayConfigSchema, file, 'gateway config');
}
