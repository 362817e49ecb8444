import { parseArgs } from 'node:util';
import { generateToken } from '../cloud/http/auth.js';

export const tokenUsage = `gridwatch token [--json]
  Makes a new access token for a gateway or a reader: the token goes in the gateway's config
  (or GRIDWATCH_GATEWAY_TOKEN), its SHA-256 in cloud.yaml (the cloud never stores the token).`;

export function tokenCommand(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, strict: true });
  const { token, sha256 } = generateToken();
  if (values.json) process.stdout.write(`${JSON.stringify({ token, sha256 })}\n`);
  else process.stdout.write(`token:       ${token}\ntokenSha256: ${sha256}\n`);
  return 0;
}
