import type { GatewayConfigInput } from '../../gateway/config.js';
import type { SimulateConfigInput } from '../../simulators/fleet/config.js';

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

export interface DemoPorts {
  mqtt: number;
  watch: number;
  modbusTcp: number;
  /** Serial device servers (RS-485 over TCP): the building's DL/T 645 meters, the site's noise sensor. */
  meterLine: number;
  siteLine: number;
}

export interface DemoCompound {
  gateway: Pick<GatewayConfigInput, 'devices' | 'modbus' | 'dlt645' | 'watch'> & { bridges: NonNullable<NonNullable<GatewayConfigInput['mqtt']>['bridges']> };
  simulate: SimulateConfigInput;
  /** What the demo should end with: one line per ticket expected, for the story it tells. */
  story: string[];
  /** Ids (household ids in the gateway's vocabulary) that are construction sites. */
  sites: string[];
}

/**
 * The demo's compound: households with every device kind on its real protocol, and a
 * construction site, each with one incident on the timeline (hours after `start`):
 *   hh-101  the normal elder: water (MQTT), door and SOS button (Zigbee2MQTT), SDM120 (Modbus
 *           TCP), residential meter (DL/T 645): no ticket.
 *   hh-102  water stops at `waterStopsAfterH`, 24 h later "no water use"; her MQTT wristband's
 *           SOS key is pressed at `sosAfterH`.
 *   hh-103  Tasmota pulse counter on the water meter; her 4G wristband (watch protocol) detects a
 *           fall at `fallAfterH`.
 *   site-7  the noise sensor (Modbus RTU behind a serial device server): the site works on past
 *           23:00 on the first night.
 */
export function demoCompound(o: {
  start: number;
  ports: DemoPorts;
  secrets: Record<'wm101' | 'wm102' | 'wm103' | 'band102' | 'z2m', { token: string; sha256: string }>;
  waterStopsAfterH: number;
  sosAfterH: number;
  fallAfterH: number;
}): DemoCompound {
  const { start, ports, secrets } = o;
  const home = { lat: 31.2304, lon: 121.4737 };
  const firstNight = start + 23 * HOUR; // 23:00 on the first day
  const local = '127.0.0.1';
  return {
    gateway: {
      bridges: [{ username: 'zigbee2mqtt', passwordSha256: secrets.z2m.sha256, topics: ['zigbee2mqtt/#'] }],
      devices: [
        { id: 'wm-101', householdId: 'hh-101', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: secrets.wm101.sha256 },
        { id: 'door-101', householdId: 'hh-101', profile: 'aqara/mccgq11lm', topicName: 'hh-101 front door' },
        { id: 'sos-101', householdId: 'hh-101', profile: 'tuya/ts0215a-sos', topicName: 'hh-101 SOS button' },
        { id: 'wm-102', householdId: 'hh-102', profile: 'generic/mqtt-water-flow', mqttPasswordSha256: secrets.wm102.sha256 },
        { id: 'band-102', householdId: 'hh-102', profile: 'generic/mqtt-wristband', mqttPasswordSha256: secrets.band102.sha256 },
        { id: 'wm-103', householdId: 'hh-103', profile: 'tasmota/pulse-counter', topicName: 'water_meter_103', mqttPasswordSha256: secrets.wm103.sha256 },
      ],
      modbus: {
        buses: [
          // Every poll is a real round trip, and the demo's time is mostly the readings it takes:
          // the SDM120 is read every 15 min (as the DL/T 645 meter) rather than every minute.
          { id: 'compound-modbus', tcp: { host: local, port: ports.modbusTcp }, devices: [{ id: 'em-101', householdId: 'hh-101', profile: 'eastron/sdm120', unitId: 1, pollInterval: '15m' }] },
          // The noise sensor every 25 s rather than every second: 12 samples per 5-min LAeq
          // block, 2 to spare over the 10 the rule needs (a reply lost on a busy machine).
          { id: 'site-7-rs485', rtuOverTcp: { host: local, port: ports.siteLine }, devices: [{ id: 'noise-7', householdId: 'site-7', profile: 'generic/rs485-noise', pollInterval: '25s' }] },
        ],
      },
      dlt645: {
        lines: [{ id: 'building-3-meters', tcp: { host: local, port: ports.meterLine }, devices: [{ id: 'mt-101', householdId: 'hh-101', profile: 'generic/dlt645-single-phase', address: '000000000101' }] }],
      },
      watch: { host: local, port: ports.watch, devices: [{ id: 'wb-103', householdId: 'hh-103', watchId: '8800000103' }] },
    },
    simulate: {
      broker: `mqtt://${local}:${ports.mqtt}`,
      watchServer: { host: local, port: ports.watch },
      modbusTcp: { host: local, port: ports.modbusTcp },
      lines: [
        { id: 'building-3-meters', protocol: 'dlt645', tcp: { host: local, port: ports.meterLine } },
        { id: 'site-7-rs485', protocol: 'modbus-rtu', tcp: { host: local, port: ports.siteLine } },
      ],
      bridges: [{ id: 'z2m', username: 'zigbee2mqtt', password: secrets.z2m.token }],
      devices: [
        { id: 'wm-101', kind: 'water', seed: 101, password: secrets.wm101.token },
        { id: 'door-101', kind: 'door', seed: 101, bridge: 'z2m', topicName: 'hh-101 front door' },
        { id: 'sos-101', kind: 'sos-button', bridge: 'z2m', topicName: 'hh-101 SOS button' },
        { id: 'em-101', kind: 'electricity', seed: 101, on: 'modbus-tcp', unitId: 1 },
        { id: 'mt-101', kind: 'electricity', seed: 101, profile: 'generic/dlt645-single-phase', on: 'building-3-meters', address: '000000000101' },
        { id: 'wm-102', kind: 'water', seed: 102, initialVolumeL: 2_000, password: secrets.wm102.token, stopsAt: iso(start + o.waterStopsAfterH * HOUR) },
        { id: 'band-102', kind: 'wristband', seed: 102, home, password: secrets.band102.token, sosAt: iso(start + o.sosAfterH * HOUR) },
        // Tasmota reports every TelePeriod (300 s by default).
        { id: 'wm-103', kind: 'water', seed: 103, interval: '5m', initialVolumeL: 3_000, profile: 'tasmota/pulse-counter', topicName: 'water_meter_103', password: secrets.wm103.token },
        { id: 'wb-103', kind: 'wristband', seed: 103, home: { lat: 31.231, lon: 121.474 }, watchId: '8800000103', fallAt: iso(start + o.fallAfterH * HOUR) },
        { id: 'noise-7', kind: 'noise', seed: 7, on: 'site-7-rs485', nightWork: [{ from: iso(firstNight), until: iso(firstNight + 2 * HOUR), dba: 68 }] },
      ],
    },
    story: [
      'hh-102   sos            P1  her wristband\'s SOS key, day 1 14:30 (MQTT)',
      'hh-103   fall           P1  her 4G wristband detects a fall, day 1 20:15 (watch protocol)',
      'site-7   night-noise    P3  the site works on past 23:00 (Modbus RTU noise sensor)',
      'hh-102   no-water-use   P2  24 h after her water stopped (MQTT flow monitor)',
    ],
    sites: ['site-7'],
  };
}
