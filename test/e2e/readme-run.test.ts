import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from '../support/free-port.js';
import { startGridwatch, type RunningCommand } from '../support/processes.js';
import { tempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(root, 'bin/gridwatch.js');
/** The reader token whose SHA-256 examples/cloud.yaml holds (its comment says it). */
const READER = 'SNt3AG_uW0chjGzMMe3APof2gI1cVuTANooOvtr0-KY';
type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Port 1883 held, as Mosquitto holds it on our machines and many users'; null when someone else has it already. */
async function hold1883(): Promise<Server | null> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(null));
    server.listen(1883, '0.0.0.0', () => resolve(server));
  });
}

/**
 * README "Running the parts", as written: one shared clock from `gridwatch clock` (slower here, see below),
 * then cloud, gateway and simulate from the example configs, as processes, next to something on
 * 1883. Only the ports (free ones) and the data paths (a temp dir) differ. Nothing waits on the
 * wall clock's speed: the story is relative to the simulator's start and the test polls the
 * cloud's tickets until all four came.
 */
describe("the README's run commands", () => {
  const running: RunningCommand[] = [];
  let held: Server | null = null;
  afterAll(async () => {
    for (const p of running.reverse()) await p.stop();
    held?.close();
  });

  test('give the four story tickets, SOS, fall, night noise and no water use, one alert each', { timeout: 400_000 }, async () => {
    held = await hold1883();
    const dir = tempDir('gridwatch-readme-');
    const read = (name: string): Yaml => parse(readFileSync(join(root, 'examples', name), 'utf8')) as Yaml;
    const [cloud, gateway, simulate] = [read('cloud.yaml'), read('gateway.yaml'), read('simulate.yaml')];
    const [http, mqtt, watch, modbus, dlt, rs485] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => freePort()));
    expect(gateway.mqtt.port).not.toBe(1883);

    cloud.http = { host: '127.0.0.1', port: http };
    cloud.sqlitePath = join(dir, 'cloud.sqlite');
    gateway.dataDir = join(dir, 'gateway');
    gateway.mqtt.host = '127.0.0.1';
    gateway.mqtt.port = mqtt;
    gateway.cloud.url = `http://127.0.0.1:${http}`;
    gateway.watch.host = '127.0.0.1';
    gateway.watch.port = watch;
    gateway.modbus.buses[0].tcp.port = modbus;
    gateway.modbus.buses[1].rtuOverTcp.port = rs485;
    gateway.dlt645.lines[0].tcp.port = dlt;
    simulate.broker = `mqtt://127.0.0.1:${mqtt}`;
    simulate.watchServer.port = watch;
    simulate.modbusTcp.port = modbus;
    simulate.lines.find((l: Yaml) => l.id === 'building-3-meters').tcp.port = dlt;
    simulate.lines.find((l: Yaml) => l.id === 'site-7-rs485').tcp.port = rs485;
    for (const [name, doc] of Object.entries({ 'cloud.yaml': cloud, 'gateway.yaml': gateway, 'simulate.yaml': simulate })) writeFileSync(join(dir, name), stringify(doc));

    // The README's clock, slower and from 06:00 in Shanghai: the story (water stops at 10:00, SOS,
    // fall, night noise 23:00-01:00, no water the next morning) then fits in about 100 s of wall
    // time, and a 5-minute noise block is 0.3 s of it instead of 83 ms, which a busy 2-core
    // machine's pauses could leave with too few samples to judge.
    const sixAm = `${new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10)}T06:00:00+08:00`;
    const clock = execFileSync(process.execPath, [BIN, 'clock', '--speed', '1000', '--start', sixAm], { encoding: 'utf8' }).trim();
    const env = { GRIDWATCH_CLOCK: clock, DATABASE_URL: '' };
    running.push(startGridwatch(['cloud', '--config', join(dir, 'cloud.yaml')], env));
    running.push(startGridwatch(['gateway', '--config', join(dir, 'gateway.yaml')], env));
    const simulator = startGridwatch(['simulate', '--config', join(dir, 'simulate.yaml')], env);
    running.push(simulator);
    await simulator.waitForLog(/simulated devices started/, 120_000);

    const story = ['fall', 'night-noise', 'no-water-use', 'sos'];
    let tickets: Array<{ rule: string; householdId: string; deviceId: string; alertCount: number; clearCount: number }> = [];
    const deadline = performance.now() + 300_000;
    while (performance.now() < deadline) {
      const res = await fetch(`http://127.0.0.1:${http}/v1/tickets`, { headers: { authorization: `Bearer ${READER}` } }).catch(() => null);
      if (res?.ok) tickets = ((await res.json()) as { tickets: typeof tickets }).tickets;
      if (story.every((r) => tickets.some((t) => t.rule === r))) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    // A device counts as silent from when the gateway starts with it configured. At 1,000x the
    // simulator starting a few wall seconds after the gateway is an hour or more simulated, so a
    // device may open a P4 "device silent" ticket that its first report clears; nothing else may
    // open a ticket besides the story.
    const silent = tickets.filter((t) => t.rule === 'device-silent');
    for (const t of silent) expect(t, JSON.stringify(t)).toMatchObject({ clearCount: 1 });
    tickets = tickets.filter((t) => t.rule !== 'device-silent');
    const byRule = Object.fromEntries(tickets.map((t) => [t.rule, t]));
    expect(tickets.map((t) => t.rule).sort(), JSON.stringify(tickets)).toEqual(story);
    expect(byRule.sos).toMatchObject({ householdId: 'hh-101', deviceId: 'sos-101', alertCount: 1 });
    expect(byRule.fall).toMatchObject({ householdId: 'hh-103', deviceId: 'wb-103', alertCount: 1 });
    expect(byRule['no-water-use']).toMatchObject({ householdId: 'hh-102', deviceId: 'wm-102', alertCount: 1 });
    // One raise at 23:00, and its clear once the site stops at 01:00 (if the run got that far).
    expect(byRule['night-noise']).toMatchObject({ householdId: 'site-7', deviceId: 'noise-7', alertCount: 1 });
    expect(byRule['night-noise']!.clearCount).toBeLessThanOrEqual(1);
  });

  test('a gateway whose MQTT port is taken ends at once, naming mqtt.port and the file', { timeout: 60_000 }, async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dir = tempDir('gridwatch-port-');
      const gateway = parse(readFileSync(join(root, 'examples/gateway.yaml'), 'utf8')) as Yaml;
      gateway.dataDir = join(dir, 'gateway');
      gateway.mqtt.host = '127.0.0.1';
      gateway.mqtt.port = port;
      const file = join(dir, 'gateway.yaml');
      writeFileSync(file, stringify(gateway));
      const run = startGridwatch(['gateway', '--config', file]);
      const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
      expect(code).toBe(2);
      expect(run.stderr()).toContain(`mqtt.port ${port} is in use (another MQTT broker such as Mosquitto?): set mqtt.port in ${file}`);
      expect(run.stderr()).not.toContain('EADDRINUSE');
    } finally {
      blocker.close();
    }
  });
});
