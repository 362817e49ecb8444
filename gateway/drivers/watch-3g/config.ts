import { z } from 'zod';
import { idSchema } from '../../../lib/ids.js';
import { deviceIdSchema } from '../../../contract/device-context.js';

/** 4G wristbands speaking the 3G watch protocol, which dial in over TCP. @default none */
export const watchConfigSchema = z
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
            id: deviceIdSchema,
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
  .optional();
export type WatchConfig = z.output<typeof watchConfigSchema>;
