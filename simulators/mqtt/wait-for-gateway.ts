import { connect } from 'node:net';
import type { Logger } from '../../lib/log.js';

export interface GatewayEndpoint {
  /** What it is, as the simulate config names it: "broker", "watchServer". */
  what: string;
  host: string;
  port: number;
}

/** The gateway's endpoints a simulate config dials: its MQTT broker and its 3G watch listener. */
export function gatewayEndpoints(config: { broker?: string | undefined; watchServer?: { host: string; port: number } | undefined }): GatewayEndpoint[] {
  const out: GatewayEndpoint[] = [];
  if (config.broker) {
    const url = new URL(config.broker);
    out.push({ what: `broker (${config.broker})`, host: url.hostname, port: url.port ? Number(url.port) : url.protocol === 'mqtts:' ? 8883 : 1883 });
  }
  if (config.watchServer) out.push({ what: `watchServer (${config.watchServer.host}:${config.watchServer.port})`, ...config.watchServer });
  return out;
}

/** Whether something accepts a TCP connection at host:port within `timeoutMs` (wall time). */
function accepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Waits, in wall time, until every endpoint takes a connection, so that the simulator may be
 * started before the gateway: it says what it waits for at once and every `remindEveryMs`, and
 * tries again every `retryMs`. The story starts only when the gateway is there.
 */
export async function waitForGateway(endpoints: readonly GatewayEndpoint[], logger: Logger, o: { retryMs?: number; remindEveryMs?: number } = {}): Promise<void> {
  const retryMs = o.retryMs ?? 1_000;
  const remindEveryMs = o.remindEveryMs ?? 30_000;
  let lastSaid = Number.NEGATIVE_INFINITY;
  const began = performance.now();
  for (;;) {
    const missing: GatewayEndpoint[] = [];
    for (const e of endpoints) if (!(await accepts(e.host, e.port, 2_000))) missing.push(e);
    if (missing.length === 0) {
      if (lastSaid > Number.NEGATIVE_INFINITY) logger.info({ waitedS: Math.round((performance.now() - began) / 1000) }, 'the gateway answers; starting the simulated devices');
      return;
    }
    if (performance.now() - lastSaid >= remindEveryMs) {
      lastSaid = performance.now();
      logger.warn(
        { waitingFor: missing.map((e) => `${e.host}:${e.port}`), waitedS: Math.round((performance.now() - began) / 1000) },
        `waiting for the gateway: nothing listens yet at ${missing.map((e) => e.what).join(' and ')}; is gridwatch gateway running with the same ports? trying again every ${retryMs / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}
