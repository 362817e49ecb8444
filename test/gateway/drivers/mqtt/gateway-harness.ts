import { Writable } from 'node:stream';
import { pino } from 'pino';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { VirtualClock } from '../../../../lib/time/clock.js';
import { hashToken } from '../../../../lib/tokens.js';
import { silentLogger, type Logger } from '../../../../lib/log.js';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { startGateway, type GatewayHandle } from '../../../../gateway/main.js';
import { freePort } from '../../../support/free-port.js';
import { T0 } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

/** Devices with their own logins (password `<id>-secret`), a Zigbee2MQTT bridge (`z2m-secret`) and its devices. */
export const DEVICES = [
  { id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: hashToken('wm-1-secret') },
  { id: 'band-2', householdId: 'hh-2', profile: 'generic/mqtt-wristband', mqttPasswordSha256: hashToken('band-2-secret') },
  { id: 'tasmota-7', householdId: 'hh-2', profile: 'tasmota/pulse-counter', topicName: 'water_meter_7', mqttPasswordSha256: hashToken('tasmota-7-secret') },
  { id: 'sos-3', householdId: 'hh-3', profile: 'tuya/ts0215a-sos', topicName: 'SOS button bedroom' },
  { id: 'door-3', householdId: 'hh-3', profile: 'aqara/mccgq11lm', topicName: 'Front door' },
];

export interface MqttGateway {
  gw: GatewayHandle;
  url: string;
  clock: VirtualClock;
  /** Connects as a device (`as` = its id) or the bridge (`zigbee2mqtt`), with its password. */
  connect(as: string, options?: IClientOptions): Promise<MqttClient>;
  close(): Promise<void>;
}

/** A gateway whose broker listens on a free port; `mqtt` overrides the mqtt config section. */
export async function mqttGateway(mqttConfig: Record<string, unknown> = {}, logger: Logger = silentLogger()): Promise<MqttGateway> {
  const clock = new VirtualClock(T0);
  const gw = await startGateway(
    gatewayConfigSchema.parse({
      gatewayId: 'gw-1',
      dataDir: tempDir(),
      mqtt: {
        host: '127.0.0.1',
        port: 0,
        bridges: [{ username: 'zigbee2mqtt', passwordSha256: hashToken('z2m-secret'), topics: ['zigbee2mqtt/#'] }],
        ...mqttConfig,
      },
      cloud: { url: `http://127.0.0.1:${await freePort()}`, token: 'a-token-of-sixteen-chars' },
      devices: DEVICES,
    }),
    { clock, logger },
  );
  const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
  const clients: MqttClient[] = [];
  return {
    gw,
    url,
    clock,
    async connect(as, options = {}) {
      const password = as === 'zigbee2mqtt' ? 'z2m-secret' : `${as}-secret`;
      const client = await mqtt.connectAsync(url, { clientId: as, username: as, password, reconnectPeriod: 0, ...options });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => (c.connected ? c.endAsync(true) : c.end(true))));
      await gw.close();
    },
  };
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

/** Publishes at QoS 1: 'acked' when the PUBACK came, 'closed' when the broker hung up instead. */
export function publishOrClose(client: MqttClient, topic: string, payload: string, options: { retain?: boolean } = {}): Promise<'acked' | 'closed'> {
  return Promise.race([client.publishAsync(topic, payload, { qos: 1, ...options }).then(() => 'acked' as const), closed(client).then(() => 'closed' as const)]);
}

/** A logger at info level whose lines the test can read. */
export function capturingLogger() {
  const lines: Array<{ level: number; msg: string; refused?: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

