import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeJsonPayload } from '../../firmware-profiles/codecs/json.js';
import { loadProfilesWithFiles } from '../../firmware-profiles/load-files.js';
import type { MqttJsonProfile } from '../../firmware-profiles/schema.js';
import { tempDir } from '../support/temp-dir.js';

function dirWith(files: Record<string, string>): string {
  const dir = join(tempDir(), 'profiles');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const shellyYaml = `
id: shelly/plus-uni-water
vendor: shelly
model: plus-uni-water
description: Shelly Plus Uni counting a water meter's pulses (1 L each)
transport: mqtt-json
topic: shellies/{device}/status/input:2
heartbeat: 10m
fields:
  - { metric: volume_l, path: counts.total, scale: 1, min: 0 }
fixtures:
  - { payload: '{"id":2,"counts":{"total":8123}}', expect: { volume_l: 8123 } }
`;

describe('device profiles from files', () => {
  test('a YAML profile written by an installer joins the built-in ones and decodes', () => {
    const profiles = loadProfilesWithFiles([dirWith({ 'shelly-uni.yaml': shellyYaml, 'README.txt': 'not a profile' })]);
    const shelly = profiles.get('shelly/plus-uni-water') as MqttJsonProfile;
    expect(shelly.topic).toBe('shellies/{device}/status/input:2');
    expect(decodeJsonPayload(shelly, Buffer.from('{"id":2,"counts":{"total":42}}'))).toMatchObject({ ok: true, metrics: { volume_l: 42 } });
    expect(profiles.has('eastron/sdm120')).toBe(true);
  });

  test('a broken profile file is named, with the field and the problem', () => {
    const dir = dirWith({ 'broken.json': JSON.stringify({ id: 'acme/meter', vendor: 'acme', model: 'meter', description: 'x', transport: 'modbus', serial: { baudRate: 9600 }, pollInterval: 'often', heartbeat: '1m', points: [{ metric: 'power_w', inputType: 'input', address: 0, dataType: 'float32', count: 1 }], fixtures: [] }) });
    let message = '';
    try {
      loadProfilesWithFiles([dir]);
    } catch (err) {
      message = (err as Error).message;
    }
    const file = join(dir, 'broken.json');
    expect(message).toContain(`${file}: pollInterval: "often" is not a duration`);
    expect(message).toContain(`${file}: points[0].dataType: float32 needs 2 registers, not 1`);
    expect(message).toContain(`${file}: fixtures: every profile proves itself with at least one fixture`);
  });

  test("a profile whose fixtures do not decode as it says is refused, naming the fixture", () => {
    const dir = dirWith({ 'shelly.yaml': shellyYaml.replace('expect: { volume_l: 8123 }', 'expect: { volume_l: 8000 }') });
    expect(() => loadProfilesWithFiles([dir])).toThrow(/shelly\.yaml: fixtures\[0\]\.expect\.volume_l: decodes to 8123, not 8000/);
  });

  test('every built-in profile passes the same fixture check', async () => {
    const { fixtureProblems } = await import('../../firmware-profiles/check-fixtures.js');
    for (const profile of loadProfilesWithFiles([]).values()) expect(fixtureProblems(profile), profile.id).toEqual([]);
  });

  test('a file may not take the id of a built-in profile', () => {
    const dir = dirWith({ 'copy.yaml': shellyYaml.replace('shelly/plus-uni-water', 'eastron/sdm120') });
    expect(() => loadProfilesWithFiles([dir])).toThrow(/copy\.yaml: id: eastron\/sdm120 is already the built-in profile/);
  });

  test('a directory that does not exist is named', () => {
    expect(() => loadProfilesWithFiles(['/nonexistent/profiles'])).toThrow(/\/nonexistent\/profiles: cannot read the profile directory/);
  });
});
