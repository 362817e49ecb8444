import { describe, expect, test } from 'vitest';
import { gatewayConfigSchema, ruleBookOf } from '../../../../gateway/config.js';

const base = { gatewayId: 'gw-1', cloud: { url: 'http://127.0.0.1:1', token: 'a-token-of-sixteen-chars' }, devices: [{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow' }] };

describe('the rule book of a gateway config', () => {
  test('is built once, while the config is validated, and handed out as built', () => {
    const config = gatewayConfigSchema.parse({ ...base, households: [{ id: 'hh-1', tags: ['living-alone', 'aged-80-plus'] }] });
    const book = ruleBookOf(config);
    expect(ruleBookOf(config)).toBe(book);
    // The tag override (12 h for an elder of 80+ living alone) was applied when it was built.
    expect(book.ruleFor('hh-1', 'no-water-use')).toMatchObject({ window: 12 * 3_600_000 });
  });

  test('a config that did not come through the schema gets its book built on demand', () => {
    const config = gatewayConfigSchema.parse(base);
    const copy = { rules: config.rules, households: config.households, tagOverrides: config.tagOverrides };
    expect(ruleBookOf(copy)).not.toBe(ruleBookOf(config));
    expect(ruleBookOf(copy).ruleFor('hh-1', 'sos')).toEqual(ruleBookOf(config).ruleFor('hh-1', 'sos'));
  });
});
