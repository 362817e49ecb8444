import { isExampleDigest, isExampleSecret } from '../lib/example-secrets.js';
import type { GatewayConfig } from './config.js';

/** Where a gateway config uses a secret published in examples/ (config keys), for a warning at start. */
export function exampleSecretsInUse(config: GatewayConfig, token: string): string[] {
  return [
    ...(isExampleSecret(token) ? ['cloud.token'] : []),
    ...config.devices.flatMap((d, i) => (d.mqttPasswordSha256 && isExampleDigest(d.mqttPasswordSha256) ? [`devices[${i}].mqttPasswordSha256`] : [])),
    ...config.mqtt.bridges.flatMap((b, i) => (isExampleDigest(b.passwordSha256) ? [`mqtt.bridges[${i}].passwordSha256`] : [])),
  ];
}
