import type { Kysely } from 'kysely';
import { z } from 'zod';
import { idSchema } from '../../lib/ids.js';
import type { Clock } from '../../lib/time/clock.js';
import { generateToken } from '../../lib/tokens.js';
import type { Database } from '../db/database.js';
import type { DeviceStatus, TransportKind } from '../db/registry-tables.js';
import { withTransactionRetry } from '../db/transaction-retry.js';
import { RegistryError } from './registry-error.js';

/** How a device reaches its gateway, as the gateway's config names it. */
export const transportSchema = z.discriminatedUnion('kind', [
  /** Its own MQTT login (the device id); a password is generated on provisioning. */
  z.object({ kind: z.literal('mqtt') }).strict(),
  /** A topic on a bridge (zigbee2mqtt's friendly name): the bridge logs in, not the device. */
  z.object({ kind: z.literal('bridge-topic'), topic: z.string().trim().min(1).max(120) }).strict(),
  z.object({ kind: z.literal('modbus'), bus: idSchema, unit: z.number().int().min(1).max(247) }).strict(),
  z.object({ kind: z.literal('dlt645'), line: idSchema, address: z.string().regex(/^\d{12}$/, 'the meter address: 12 digits, as on its nameplate') }).strict(),
  z.object({ kind: z.literal('watch'), watchId: z.string().regex(/^\d{10}$/, 'the band id: 10 digits') }).strict(),
]);
export type Transport = z.infer<typeof transportSchema>;

export const deviceInputSchema = z
  .object({
    id: idSchema,
    gatewayId: idSchema,
    householdId: idSchema,
    /** The firmware profile, vendor/model (gridwatch provision checks it against the profiles it ships). */
    profile: z.string().regex(/^[a-z0-9-]+\/[a-z0-9._-]+$/, 'a firmware profile as vendor/model, e.g. aqara/mccgq11lm'),
    /** Where in the home: entry, fridge, bathroom ... */
    room: z.string().trim().max(40).default(''),
    transport: transportSchema,
  })
  .strict();
export type DeviceInput = z.input<typeof deviceInputSchema>;

export interface DeviceRecord {
  id: string;
  gatewayId: string;
  householdId: string | null;
  profile: string;
  room: string;
  transport: { kind: TransportKind; key: string };
  status: DeviceStatus;
  hasMqttPassword: boolean;
}

function transportKey(t: Transport): string {
  switch (t.kind) {
    case 'mqtt':
      return '';
    case 'bridge-topic':
      return t.topic;
    case 'modbus':
      return `${t.bus}/${t.unit}`;
    case 'dlt645':
      return `${t.line}/${t.address}`;
    case 'watch':
      return t.watchId;
  }
}

/**
 * Gateways and the devices provisioned on them. A device belongs to one household on one gateway
 * and holds its transport identity (MQTT login, bridge topic, Modbus bus and unit, DL/T 645 line
 * and address, watch id) alone among the gateway's devices not retired. An MQTT device gets a
 * password on provisioning: returned once, kept as its SHA-256.
 */
export interface DeviceStore {
  addGateway(input: { id: string; name: string; compoundId?: string }): Promise<void>;
  /** Provisions a device; `mqttPassword` only for kind mqtt, and only now. */
  addDevice(input: DeviceInput): Promise<{ device: DeviceRecord; mqttPassword?: string }>;
  /** A retired device is refused by its gateway on the next sync; its identity is free again. */
  retire(deviceId: string): Promise<void>;
  devicesOf(gatewayId: string, o?: { includeRetired?: boolean }): Promise<DeviceRecord[]>;
}

export function createDeviceStore(db: Kysely<Database>, clock: Clock): DeviceStore {
  return {
    async addGateway(input) {
      const g = z.object({ id: idSchema, name: z.string().trim().min(1).max(100), compoundId: idSchema.optional() }).strict().parse(input);
      if (await db.selectFrom('gateways').select('id').where('id', '=', g.id).executeTakeFirst()) throw new RegistryError('exists', 'id', `gateway ${g.id} exists already`);
      await db.insertInto('gateways').values({ id: g.id, name: g.name, compound_id: g.compoundId ?? null, created_at_ms: clock.now() }).execute();
    },

    async addDevice(input) {
      const d = deviceInputSchema.parse(input);
      const key = d.transport.kind === 'mqtt' ? d.id : transportKey(d.transport);
      const secret = d.transport.kind === 'mqtt' ? generateToken() : undefined;
      await withTransactionRetry(() =>
        db.transaction().execute(async (trx) => {
          if (!(await trx.selectFrom('gateways').select('id').where('id', '=', d.gatewayId).executeTakeFirst())) throw new RegistryError('unknown_gateway', 'gatewayId', `no gateway ${d.gatewayId}`);
          if (!(await trx.selectFrom('households').select('id').where('id', '=', d.householdId).executeTakeFirst())) throw new RegistryError('unknown_household', 'householdId', `no household ${d.householdId}`);
          if (await trx.selectFrom('devices').select('id').where('id', '=', d.id).executeTakeFirst()) throw new RegistryError('exists', 'id', `device ${d.id} exists already (retired ones keep their id)`);
          const holder = await trx
            .selectFrom('devices')
            .select('id')
            .where('gateway_id', '=', d.gatewayId)
            .where('transport_kind', '=', d.transport.kind)
            .where('transport_key', '=', key)
            .where('status', '<>', 'retired')
            .executeTakeFirst();
          if (holder) throw new RegistryError('exists', 'transport', `${d.transport.kind} ${key} on ${d.gatewayId} is device ${holder.id}'s: retire it first`);
          const t = clock.now();
          await trx
            .insertInto('devices')
            .values({
              id: d.id,
              gateway_id: d.gatewayId,
              household_id: d.householdId,
              site_id: null,
              profile: d.profile,
              room: d.room,
              transport_kind: d.transport.kind,
              transport_key: key,
              mqtt_password_sha256: secret?.sha256 ?? null,
              status: 'provisioned',
              created_at_ms: t,
              updated_at_ms: t,
            })
            .execute();
        }),
      );
      const device: DeviceRecord = { id: d.id, gatewayId: d.gatewayId, householdId: d.householdId, profile: d.profile, room: d.room, transport: { kind: d.transport.kind, key }, status: 'provisioned', hasMqttPassword: secret !== undefined };
      return secret ? { device, mqttPassword: secret.token } : { device };
    },

    async retire(deviceId) {
      const done = await db.updateTable('devices').set({ status: 'retired', updated_at_ms: clock.now() }).where('id', '=', deviceId).where('status', '<>', 'retired').executeTakeFirst();
      if (Number(done.numUpdatedRows) === 0) {
        const exists = await db.selectFrom('devices').select('id').where('id', '=', deviceId).executeTakeFirst();
        if (!exists) throw new RegistryError('unknown_device', 'deviceId', `no device ${deviceId}`);
      }
    },

    async devicesOf(gatewayId, o = {}) {
      let q = db.selectFrom('devices').selectAll().where('gateway_id', '=', gatewayId);
      if (!o.includeRetired) q = q.where('status', '<>', 'retired');
      const rows = await q.orderBy('id').execute();
      return rows.map((r) => ({
        id: r.id,
        gatewayId: r.gateway_id,
        householdId: r.household_id,
        profile: r.profile,
        room: r.room,
        transport: { kind: r.transport_kind, key: r.transport_key },
        status: r.status,
        hasMqttPassword: r.mqtt_password_sha256 !== null,
      }));
    },
  };
}
