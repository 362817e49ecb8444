import mqtt, { type MqttClient } from 'mqtt';

/**
 * Plain MQTT clients publishing water readings the way a flow monitor does (topic and payload of
 * generic/mqtt-water-flow), for tests that drive the volume themselves.
 */
export class TestWaterMeters {
  readonly #clients = new Map<string, MqttClient>();

  static async connect(brokerUrl: string, deviceIds: string[]): Promise<TestWaterMeters> {
    const meters = new TestWaterMeters();
    for (const id of deviceIds) meters.#clients.set(id, await mqtt.connectAsync(brokerUrl, { clientId: id, reconnectPeriod: 0 }));
    return meters;
  }

  /** Publishes QoS 1 and resolves at the PUBACK, i.e. once the gateway has evaluated it. */
  async publish(deviceId: string, totalL: number): Promise<void> {
    const client = this.#clients.get(deviceId);
    if (!client) throw new Error(`no test meter ${deviceId}`);
    await client.publishAsync(`gridwatch/${deviceId}/water`, JSON.stringify({ total_l: totalL }), { qos: 1 });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.endAsync()));
  }
}
