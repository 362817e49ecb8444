import { describe, expect, test } from 'vitest';
import { hashToken } from '../../../../lib/tokens.js';
import { loadProfiles } from '../../../../firmware-profiles/index.js';
import { MqttAcl, topicMatches } from '../../../../gateway/drivers/mqtt/acl.js';
import { mqttDevicesByTopic } from '../../../../gateway/drivers/mqtt/devices.js';

const devices = mqttDevicesByTopic(
  [
    { id: 'wm-1', householdId: 'hh-1', profile: 'tasmota/pulse-counter', topicName: 'water_1' },
    { id: 'wm-2', householdId: 'hh-2', profile: 'tasmota/pulse-counter', topicName: 'water_2' },
    { id: 'door-1', householdId: 'hh-1', profile: 'aqara/mccgq11lm', topicName: 'Front door' },
  ],
  loadProfiles(),
);
const wm1 = devices.get('tele/water_1/SENSOR')!;
const acl = (allowAnonymous = false) =>
  new MqttAcl(
    {
      devices: [{ device: wm1, username: 'wm-1', passwordSha256: hashToken('secret-1') }],
      bridges: [{ username: 'zigbee2mqtt', passwordSha256: hashToken('secret-z'), topics: ['zigbee2mqtt/#'] }],
      allowAnonymous,
    },
    devices,
  );

describe('MQTT access rules', () => {
  test('credentials: right password, wrong password, none', () => {
    expect(acl().authenticate('wm-1', Buffer.from('secret-1'))).toMatchObject({ kind: 'device', name: 'wm-1' });
    expect(acl().authenticate('wm-1', Buffer.from('guess'))).toBe('bad-credentials');
    expect(acl().authenticate('nobody', Buffer.from('secret-1'))).toBe('bad-credentials');
    expect(acl().authenticate(undefined, undefined)).toBe('not-authorized');
    expect(acl(true).authenticate(undefined, undefined)).toMatchObject({ kind: 'anonymous' });
  });

  test.each([
    ['tele/water_1/SENSOR', 'data'],
    ['tele/water_1/STATE', 'ignore'], // Tasmota's own other topics
    ['stat/water_1/RESULT', 'ignore'],
    ['tele/water_2/SENSOR', 'forbidden'], // another household's meter
    ['zigbee2mqtt/Front door', 'forbidden'],
    ['$SYS/broker/uptime', 'forbidden'],
  ])('a device publishing to %s: %s', (topic, verdict) => {
    const a = acl();
    const me = a.authenticate('wm-1', Buffer.from('secret-1'));
    if (typeof me === 'string') throw new Error(me);
    expect(a.canPublish(me, topic)).toBe(verdict);
  });

  test('a bridge publishes within its filters only; anonymous clients only to data topics (when allowed)', () => {
    const a = acl(true);
    const z2m = a.authenticate('zigbee2mqtt', Buffer.from('secret-z'));
    if (typeof z2m === 'string') throw new Error(z2m);
    expect(a.canPublish(z2m, 'zigbee2mqtt/Front door')).toBe('data');
    expect(a.canPublish(z2m, 'zigbee2mqtt/bridge/state')).toBe('status'); // the bridge saying it is online or offline (issue 12, item 15)
    expect(a.canPublish(z2m, 'tele/water_1/SENSOR')).toBe('forbidden');
    const anon = a.authenticate(undefined, undefined);
    if (typeof anon === 'string') throw new Error(anon);
    expect(a.canPublish(anon, 'tele/water_1/SENSOR')).toBe('data');
    expect(a.canPublish(anon, 'some/where')).toBe('ignore');
  });

  test('subscriptions: a device to its own commands, a bridge within its filters; never # or $SYS', () => {
    const a = acl(true);
    const me = a.authenticate('wm-1', Buffer.from('secret-1'));
    const z2m = a.authenticate('zigbee2mqtt', Buffer.from('secret-z'));
    const anon = a.authenticate(undefined, undefined);
    if (typeof me === 'string' || typeof z2m === 'string' || typeof anon === 'string') throw new Error('login');
    expect(a.canSubscribe(me, 'cmnd/water_1/#')).toBe(true);
    expect(a.canSubscribe(me, 'cmnd/+/#')).toBe(false);
    expect(a.canSubscribe(me, 'cmnd/water_2/#')).toBe(false);
    expect(a.canSubscribe(me, '#')).toBe(false);
    expect(a.canSubscribe(z2m, 'zigbee2mqtt/bridge/request/#')).toBe(true);
    expect(a.canSubscribe(z2m, '$SYS/#')).toBe(false);
    expect(a.canSubscribe(anon, 'tele/water_1/SENSOR')).toBe(false);
  });

  test.each([
    ['a/+/c', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['a/+', 'a/b/c', false],
    ['a/b', 'a/b/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
