import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../temp-dir.js';

/**
 * A virtual serial line: a socat pty pair, one end for the simulated devices, one for the
 * gateway. `close` kills socat (register it in the test's cleanups).
 */
export async function virtualSerialLine(): Promise<{ gatewayEnd: string; deviceEnd: string; close(): void }> {
  const dir = tempDir();
  const [gatewayEnd, deviceEnd] = [join(dir, 'ttyGateway'), join(dir, 'ttyDevices')];
  const socat = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${gatewayEnd}`, `pty,raw,echo=0,link=${deviceEnd}`], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (!(existsSync(gatewayEnd) && existsSync(deviceEnd))) {
    if (Date.now() > deadline) {
      socat.kill('SIGKILL');
      throw new Error('socat made no pty pair');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { gatewayEnd, deviceEnd, close: () => socat.kill('SIGKILL') };
}
