import { z } from 'zod';
import { byteSizeSchema } from '../lib/byte-size.js';
import { durationSchema } from '../lib/time/duration.js';
import { idSchema } from '../lib/ids.js';
import { DEFAULT_TIME_ZONE, timeZoneSchema } from '../lib/time/local-time.js';
import { loadConfigFile } from '../lib/config-file.js';
import { deviceConfigSchema, mqttConfigSchema } from './drivers/mqtt/config.js';
import { modbusBusConfigSchema } from './drivers/modbus/config.js';
import { dlt645LineConfigSchema } from './drivers/dlt645/config.js';
import { watchConfigSchema } from './drivers/watch-3g/config.js';
import { DEFAULT_RULES, DEFAULT_TAG_OVERRIDES } from './rules/book/defaults.js';
import { buildRuleBook, householdSchema, resolveRuleBook, tagOverrideSchema, type RuleBook } from './rules/book/rule-book.js';

export const gatewayConfigSchema = z
  .object({
    gatewayId: idSchema,
    /** Directories of extra device profiles, one .json/.yaml file each. @default none */
    profileDirs: z.array(z.string().min(1)).default([]),
    /** Local time of the households (days, night windows). @default Asia/Shanghai */
    timeZone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
    /** Where the gateway keeps its SQLite file (outbox and rule state). @default ./data/gateway */
    dataDir: z.string().min(1).default('./data/gateway'),
    mqtt: mqttConfigSchema,
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
    watch: watchConfigSchema,
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
