import { parseArgs } from 'node:util';
import { z } from 'zod';
import { durationSchema } from '../lib/time/duration.js';
import { createLogger } from '../lib/log.js';
import { parseOrThrow } from '../lib/validation.js';
import { runFlood } from '../simulators/mqtt/flood.js';
import { UsageError } from './usage-error.js';

export const floodUsage = `gridwatch flood --broker mqtt://HOST:PORT [--clients 1000] [--rate 30000] [--duration 60s] [--qos 0|1] [--inflight 20]
               [--username U --password P] [--device-prefix fl-] [--topic gridwatch/{device}/water]
  Load test: many MQTT clients publishing valid meter readings at a fixed total rate. Prints a
  JSON summary (sent, acked, blocked, dropped, achieved rate) on stdout; progress on stderr.
  --inflight: QoS 1 publishes a client may have unacknowledged (then it skips its turn: blocked).
  Exits 1 when no client could connect.`;

const floodArgsSchema = z
  .object({
    broker: z
      .string({ error: '--broker is required, e.g. --broker mqtt://127.0.0.1:1883' })
      .regex(/^mqtt:\/\/[^/:]+:\d+\/?$/, 'write --broker as mqtt://HOST:PORT'),
    clients: z.coerce.number().int().min(1).max(20_000),
    rate: z.coerce.number().positive().max(1_000_000),
    duration: durationSchema,
    qos: z.enum(['0', '1']).transform((q) => (q === '1' ? 1 : 0) as 0 | 1),
    inflight: z.coerce.number().int().min(1).max(65_535),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    'device-prefix': z.string().regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." or "-"'),
    topic: z.string().includes('{device}', { message: 'the topic needs {device}, e.g. gridwatch/{device}/water' }),
  })
  .refine((o) => o.password === undefined || o.username !== undefined, {
    path: ['password'],
    message: '--password needs --username: MQTT 3.1.1 sends a password only with a user name',
  });

export async function floodCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      broker: { type: 'string' },
      clients: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '30000' },
      duration: { type: 'string', default: '60s' },
      qos: { type: 'string', default: '0' },
      inflight: { type: 'string', default: '20' },
      username: { type: 'string' },
      password: { type: 'string' },
      'device-prefix': { type: 'string', default: 'fl-' },
      topic: { type: 'string', default: 'gridwatch/{device}/water' },
    },
    strict: true,
  });
  if (!values.broker) throw new UsageError('--broker is required', floodUsage);
  const o = parseOrThrow(floodArgsSchema, values, 'flood options');
  const url = new URL(o.broker);
  const logger = createLogger('flood');
  const result = await runFlood({
    host: url.hostname,
    port: Number(url.port),
    clients: o.clients,
    ratePerS: o.rate,
    durationMs: o.duration,
    qos: o.qos,
    inflight: o.inflight,
    ...(o.username === undefined ? {} : { username: o.username }),
    ...(o.password === undefined ? {} : { password: o.password }),
    devicePrefix: o['device-prefix'],
    topic: o.topic,
    logger,
    onProgress: (t) => logger.info(t, 'flood progress'),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.connected === 0 ? 1 : 0;
}
