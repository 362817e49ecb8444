import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { sha256HexSchema } from '../../../lib/tokens.js';
import { deviceIdSchema } from '../../../contract/device-context.js';
import { DEFAULT_RETAINED_LIMITS } from './retained.js';

/** A device that reports over MQTT, itself or through a bridge. */
export const deviceConfigSchema = z
  .object({
    id: deviceIdSchema,
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

/** The gateway's MQTT broker (and its client mode), `mqtt` in gateway.yaml. */
export const mqttConfigSchema = z
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
  .default({ host: '0.0.0.0', port: 1883, maxPayloadBytes: 65_536, ratePerClient: 20, ratePerClientBurst: 100, allowAnonymous: false, bridges: [] });
