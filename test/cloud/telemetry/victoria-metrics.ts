import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../support/free-port.js';
import { makeTempDir } from '../../support/temp-dir.js';

export const VICTORIA_METRICS = '/usr/bin/victoria-metrics';

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export interface VictoriaMetrics {
  url: string;
  /** Every sample of the series matching `selector` (a PromQL series selector), after a flush. */
  exportSeries(selector: string): Promise<ExportedSeries[]>;
  stop(): Promise<void>;
}

/**
 * A real VictoriaMetrics (Debian's package) on a free port with its own data directory. Flags:
 * no 30 s latency offset (queries would hide fresh samples), a retention long enough for any
 * time a test writes (samples outside retention are dropped with a 204, silently), and
 * deduplication of samples with the same series and millisecond, as docker-compose.yml runs it
 * (without it a point written twice is stored, and counted, twice).
 */
export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const port = await freePort();
  const dir = makeTempDir('gridwatch-vm-');
  const child: ChildProcess = spawn(
    VICTORIA_METRICS,
    [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir.path}`, '-search.latencyOffset=0s', '-retentionPeriod=100y', '-dedup.minScrapeInterval=1ms', '-loggerLevel=ERROR'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`victoria-metrics exited (${child.exitCode}):\n${stderr}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`victoria-metrics did not answer on ${url}/health within 15 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url,
    async exportSeries(selector) {
      // Fresh samples become searchable on the next flush (about a second); force it.
      await fetch(`${url}/internal/force_flush`);
      const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': selector })}`);
      if (!res.ok) throw new Error(`export answered ${res.status}: ${await res.text()}`);
      return (await res.text())
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ExportedSeries);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      dir.remove();
    },
  };
}
