import { once } from 'node:events';
import type { Server } from 'node:net';
import { InputError } from '../validation.js';

/** Where a listener binds, and how its owner names that in its config. */
export interface ListenTarget {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** The config key that sets the port, e.g. "mqtt.port" or "lines[1].tcp.port". */
  configKey: string;
  /** The config file to name in the message, e.g. "gateway.yaml". @default "the config" */
  file?: string;
  /** Who is likely to hold the port already, e.g. "another MQTT broker such as Mosquitto?". */
  usualSuspect?: string;
}

/** A listener could not bind: thrown as input trouble (exit code 2), naming the port and its config key. */
export class ListenError extends InputError {
  constructor(
    readonly target: ListenTarget,
    readonly code: 'EADDRINUSE' | 'EACCES' | 'EADDRNOTAVAIL',
  ) {
    super(describe(target, code));
    this.name = 'ListenError';
  }

  /** The same error, naming the config file (known to the command, not to the listener). */
  inFile(file: string): ListenError {
    return new ListenError({ ...this.target, file }, this.code);
  }
}

function describe(target: ListenTarget, code: ListenError['code']): string {
  const where = target.file ?? 'the config';
  const key = target.configKey;
  if (code === 'EADDRINUSE') {
    const suspect = target.usualSuspect ? ` (${target.usualSuspect})` : '';
    return `${key} ${target.port} is in use${suspect}: set ${key} in ${where} to a free port, or stop what listens there`;
  }
  if (code === 'EACCES') return `${key} ${target.port} may not be used by this user (ports below 1024 need privileges): set ${key} in ${where}`;
  const hostKey = key.replace(/port$/, 'host');
  return `${hostKey} ${target.host} is not an address of this machine: set ${hostKey} in ${where}`;
}

/** A ListenError naming `file`, or `err` unchanged. */
export function namingConfigFile(err: unknown, file: string): unknown {
  return err instanceof ListenError ? err.inFile(file) : err;
}

/**
 * Listens on `target`; resolves with the port (the one given for 0). A port in use, or one not
 * ours to take, rejects with a ListenError that says which port, which config key sets it and in
 * which file, instead of Node's bare EADDRINUSE.
 */
export async function listen(server: Server, target: ListenTarget): Promise<number> {
  server.listen(target.port, target.host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw listenError(err, target);
  }
  const address = server.address();
  return typeof address === 'object' && address ? address.port : target.port;
}

/**
 * What a failed listen means for the user, for listeners that bind through a library (fastify,
 * aedes' owner): a ListenError for the errors a config change fixes, anything else unchanged.
 */
export function listenError(err: unknown, target: ListenTarget): Error {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') return new ListenError(target, code);
  return err instanceof Error ? err : new Error(String(err));
}
