import { hashToken } from './tokens.js';

/**
 * The SHA-256 of every token and password printed in examples/ and the README (they are public):
 * a config that uses one lets anyone who read them in. A test keeps this list in step with the
 * example files.
 */
export const EXAMPLE_SECRET_SHA256: ReadonlySet<string> = new Set([
  // examples/cloud.yaml: the gateway's and the reader's tokens
  '5d6f5f3e20f7a5ea11dda93fd87f9ec3941e39520274e2f4d39f422e141d3ecf',
  '95541542a6a272e2d2cf16a9aaa3be5757f75ca16bec2831fb7f755d931e869c',
  // examples/gateway*.yaml: the devices' and the Zigbee2MQTT bridge's MQTT passwords
  '0debb17a2cc43a92e2bcf438d6679112389bec3b55c12c7f300494d6768fcea1',
  '880a75ef173ab24edcbbd94fbdb3ad0a9f4d0764bc6f12e4ea5106f765354d79',
  'b94e83eb2a57bab675f0d5f7aa6de35c436f781a86519b27cfd6367bb7b74826',
  'e84b61745f1d79ad9fc3752d0acbdacde8b32101ee62d9c62baeac07bf5939ac',
  '8ee1c2de8dcdb89005d0620d83bbed4b215e3cfb35b94f6002994744f6893a6b',
]);

/** Whether a SHA-256 digest from a config is one of the examples'. */
export const isExampleDigest = (sha256: string): boolean => EXAMPLE_SECRET_SHA256.has(sha256.toLowerCase());

/** Whether a plain token or password from a config is one of the examples'. */
export const isExampleSecret = (secret: string): boolean => EXAMPLE_SECRET_SHA256.has(hashToken(secret));

/** The warning to log at start, naming where in the config the example secrets are used. */
export function exampleSecretsWarning(where: readonly string[]): string {
  return `the EXAMPLE secrets published in examples/ and the README are in use (${where.join(', ')}): anyone who read them can log in. Make your own with \`gridwatch token\` / 用 gridwatch token 生成自己的密钥`;
}
