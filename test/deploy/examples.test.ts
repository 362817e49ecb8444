import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { loadCloudConfig } from '../../cloud/config.js';
import { hashToken } from '../../lib/tokens.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { loadSimulateConfig } from '../../simulators/fleet/config.js';
import { loadProfiles } from '../../firmware-profiles/index.js';
import { mqttDevicesByTopic } from '../../gateway/drivers/mqtt/devices.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const path = (p: string) => `${root}${p}`;

/** The part of the Compose file format this project uses, strictly enough to catch typos. */
const composeSchema = z.object({
  services: z.record(
    z.string(),
    z
      .object({
        image: z.string().optional(),
        build: z.string().optional(),
        command: z.array(z.string()).optional(),
        environment: z.record(z.string(), z.string()).optional(),
        volumes: z.array(z.string()).optional(),
        ports: z.array(z.string().regex(/^\d+:\d+$/)).optional(),
        depends_on: z.union([z.array(z.string()), z.record(z.string(), z.object({ condition: z.enum(['service_started', 'service_healthy']) }))]).optional(),
        healthcheck: z.object({ test: z.array(z.string()) }).passthrough().optional(),
        profiles: z.array(z.string()).optional(),
        restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
      })
      // An override file names only what it changes: "image or build" is checked on the merged file.
      .strict(),
  ),
  volumes: z.record(z.string(), z.null()).optional(),
});

type Compose = z.infer<typeof composeSchema>;
const readCompose = (file: string): Compose => composeSchema.parse(parse(readFileSync(path(file), 'utf8')));
/** The container path of a volume entry (`source:target[:ro]`). */
const mountTarget = (volume: string) => volume.split(':')[1]!;

/** `docker compose -f base -f override`: services merged key by key, volumes by their mount target (as Compose does). */
function mergeCompose(base: Compose, override: Compose): Compose {
  const services = { ...base.services };
  for (const [name, o] of Object.entries(override.services)) {
    const b = services[name];
    if (!b) {
      services[name] = o;
      continue;
    }
    const volumes = [...(b.volumes ?? []).filter((v) => !(o.volumes ?? []).some((w) => mountTarget(w) === mountTarget(v))), ...(o.volumes ?? [])];
    services[name] = { ...b, ...o, volumes };
  }
  return { services, volumes: { ...base.volumes, ...override.volumes } };
}

describe('docker-compose.yml', () => {
  const base = readCompose('docker-compose.yml');
  const compose = mergeCompose(base, readCompose('docker-compose.demo.yml'));
  const services = compose.services;

  test('plain `docker compose up` starts no simulator, and its gateway polls nothing that only the demo starts', () => {
    expect(Object.keys(base.services).sort()).toEqual(['cloud', 'gateway', 'postgres', 'victoriametrics']);
    const volume = base.services.gateway!.volumes!.find((v) => v.endsWith('.yaml:ro'))!;
    const gateway = loadGatewayConfig(path(volume.split(':')[0]!.slice(2)));
    const hosts = [...gateway.modbus.buses.map((b) => b.tcp?.host ?? b.rtuOverTcp?.host), ...gateway.dlt645.lines.map((l) => l.tcp?.host)];
    expect(hosts).not.toContain('simulator');
    // The demo's gateway is the base one with the simulator's lines: the same MQTT and watch devices.
    const demo = loadGatewayConfig(path('examples/gateway.compose-demo.yaml'));
    expect(demo.devices).toEqual(gateway.devices);
    expect(demo.watch).toEqual(gateway.watch);
    expect({ ...demo.cloud, token: '' }).toEqual({ ...gateway.cloud, token: '' });
  });

  test('every dependency, named volume and mounted file exists', () => {
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) expect(Object.keys(services), `${name} depends on ${d}`).toContain(d);
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(path(source.slice(2))), `${name} mounts ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name} uses volume ${source}`).toContain(source);
      }
      expect(s.image ?? s.build, `${name} needs image or build`).toBeDefined();
      if (s.build) expect(existsSync(path(`${s.build}/Dockerfile`))).toBe(true);
    }
  });

  test('the configs it mounts are valid and point at each other by service name', () => {
    const mounted = (service: string) => {
      const volume = services[service]!.volumes!.find((v) => v.endsWith('.yaml:ro'))!;
      expect(mountTarget(volume)).toMatch(/^\/etc\/gridwatch\//);
      return path(volume.split(':')[0]!.slice(2));
    };
    const cloud = loadCloudConfig(mounted('cloud'), {});
    const gateway = loadGatewayConfig(mounted('gateway'));
    expect(mounted('cloud')).toBe(path('examples/cloud.compose.yaml'));
    const simulate = loadSimulateConfig(mounted('simulator'), Date.parse('2026-11-23T06:00:00+08:00'));

    expect(services.cloud!.ports).toContain(`${cloud.http.port}:${cloud.http.port}`);
    expect(cloud.http.host).toBe('0.0.0.0');
    expect(services.cloud!.environment!.DATABASE_URL).toMatch(/^postgres:\/\/gridwatch:gridwatch@postgres:5432\/gridwatch$/);
    expect(new URL(gateway.cloud.url).host).toBe(`cloud:${cloud.http.port}`);
    expect(gateway.dataDir).toBe(services.gateway!.volumes!.find((v) => v.startsWith('gateway-data:'))!.split(':')[1]);
    expect(simulate.broker).toBe(`mqtt://gateway:${gateway.mqtt.port}`);
    // The gateway's token is one the cloud accepts.
    expect(cloud.gateways.find((g) => g.id === gateway.gatewayId)?.tokenSha256).toBe(hashToken(gateway.cloud.token!));
  });

  test('the cloud writes readings to the VictoriaMetrics service, which deduplicates resent points', () => {
    const cloud = loadCloudConfig(path('examples/cloud.compose.yaml'), {});
    const vm = services.victoriametrics!;
    expect(vm.image).toMatch(/^victoriametrics\/victoria-metrics:v1\.\d+\.\d+$/);
    const flag = (name: string) => vm.command!.find((c) => c.startsWith(`-${name}=`))?.split('=')[1];
    const listenPort = flag('httpListenAddr')!.split(':').at(-1);
    const telemetry = new URL(cloud.telemetry!.url);
    expect(telemetry.host).toBe(`victoriametrics:${listenPort}`);
    expect(flag('dedup.minScrapeInterval')).toBe('1ms');
    expect(vm.volumes).toContain(`victoria-metrics-data:${flag('storageDataPath')}`);
    expect(vm.ports).toContain(`${listenPort}:${listenPort}`);
    const deps = services.cloud!.depends_on as Record<string, { condition: string }>;
    expect(deps.victoriametrics).toEqual({ condition: 'service_started' });
  });

  test('the compose cloud config is examples/cloud.yaml plus the telemetry section', () => {
    const composed = loadCloudConfig(path('examples/cloud.compose.yaml'), {});
    const { telemetry, ...rest } = composed;
    expect(telemetry).toBeDefined();
    expect(rest).toEqual(loadCloudConfig(path('examples/cloud.yaml'), {}));
  });
});

describe('examples/', () => {
  test('gateway.yaml, cloud.yaml and simulate.yaml are valid and agree', () => {
    const gateway = loadGatewayConfig(path('examples/gateway.yaml'));
    const cloud = loadCloudConfig(path('examples/cloud.yaml'), {});
    const simulate = loadSimulateConfig(path('examples/simulate.yaml'), Date.parse('2026-11-23T06:00:00+08:00'));
    const devices = mqttDevicesByTopic(gateway.devices, loadProfiles());
    const mqttSimulated = simulate.devices.filter((d) => d.watchId === undefined && d.on === undefined);
    // Polled devices: the gateway's bus or line reaches the simulated server, with the same unit or address.
    for (const d of simulate.devices.filter((x) => x.on !== undefined)) {
      const bus = gateway.modbus.buses.find((b) => b.devices.some((g) => g.id === d.id));
      const line = gateway.dlt645.lines.find((l) => l.devices.some((g) => g.id === d.id));
      if (d.on === 'modbus-tcp') {
        expect(bus?.tcp?.port, d.id).toBe(simulate.modbusTcp!.port);
        expect(bus!.devices.find((g) => g.id === d.id)!.unitId, d.id).toBe(d.unitId);
        continue;
      }
      const simLine = simulate.lines.find((l) => l.id === d.on)!;
      expect(bus?.id ?? line?.id, d.id).toBe(simLine.id);
      expect(bus?.rtuOverTcp?.port ?? line?.tcp?.port, d.id).toBe(simLine.tcp!.port);
      if (line) expect(line.devices.find((g) => g.id === d.id)!.address, d.id).toBe(d.address);
    }
    for (const d of simulate.devices.filter((x) => x.watchId !== undefined)) {
      expect(gateway.watch?.devices.find((g) => g.id === d.id)?.watchId, d.id).toBe(d.watchId);
      expect(simulate.watchServer?.port).toBe(gateway.watch!.port);
    }
    const gatewayIds = [...gateway.devices, ...gateway.modbus.buses.flatMap((b) => b.devices), ...gateway.dlt645.lines.flatMap((l) => l.devices), ...(gateway.watch?.devices ?? [])].map((d) => d.id);
    expect(simulate.devices.map((d) => d.id).sort()).toEqual(gatewayIds.sort());
    expect(mqttSimulated.map((d) => d.id).sort()).toEqual(gateway.devices.map((d) => d.id).sort());
    expect(new URL(gateway.cloud.url).port).toBe(String(cloud.http.port));
    expect(simulate.broker).toBe(`mqtt://127.0.0.1:${gateway.mqtt.port}`);
    expect([...devices.keys()]).toContain('tele/water_meter_103/SENSOR');
    // Every simulated MQTT device logs in with the password whose hash the gateway holds, or
    // through a bridge the gateway knows.
    for (const d of mqttSimulated) {
      if (d.bridge !== undefined) {
        const bridge = simulate.bridges.find((b) => b.id === d.bridge)!;
        expect(gateway.mqtt.bridges.find((b) => b.username === bridge.username)?.passwordSha256, d.id).toBe(hashToken(bridge.password));
      } else {
        expect(gateway.devices.find((g) => g.id === d.id)?.mqttPasswordSha256, d.id).toBe(hashToken(d.password!));
      }
    }
  });
});
