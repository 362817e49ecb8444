import { describe, expect, test } from 'vitest';
import { gatewayConfigSchema } from '../../../../gateway/config.js';
import { DEFAULT_RULES } from '../../../../gateway/rules/book/defaults.js';
import { buildRuleBook, householdSchema } from '../../../../gateway/rules/book/rule-book.js';
import { HOUR, MINUTE, T0, WATER_METER, ruleHarness } from '../../../support/rules/rule-harness.js';
import { tempDir } from '../../../support/temp-dir.js';

const household = (h: Record<string, unknown>) => householdSchema.parse({ id: 'hh-101', ...h });
const noWaterRaises = (h: ReturnType<typeof ruleHarness>) =>
  h.outbox
    .peek(100)
    .map((e) => e.alert)
    .filter((a) => a.rule === 'no-water-use' && a.kind === 'raise')
    .map((a) => Date.parse(a.at));

async function flatMeter(h: ReturnType<typeof ruleHarness>, hours: number, from = T0) {
  for (let t = from; t <= from + hours * HOUR; t += 15 * MINUTE) {
    await h.clock.advanceTo(t);
    h.water(t, 100);
  }
}

describe('households: tags and overrides', () => {
  test('an elder of 80+ living alone is watched over 12 h, other households over 24 h', async () => {
    const neighbour = { ...WATER_METER, deviceId: 'wm-102', householdId: 'hh-102' };
    const h = ruleHarness(tempDir(), { households: [household({ tags: ['living-alone', 'aged-80-plus'] })], devices: [WATER_METER, neighbour] });
    for (let t = T0; t <= T0 + 25 * HOUR; t += 15 * MINUTE) {
      await h.clock.advanceTo(t);
      h.water(t, 100);
      h.water(t, 100, neighbour);
    }
    const raised = h.outbox.peek(100).map((e) => e.alert).filter((a) => a.rule === 'no-water-use');
    // The elder's at 12 h is a call to check; a meter alone dispatches (P2) at 24 h.
    expect(raised.map((a) => [a.householdId, a.grade, Date.parse(a.at)])).toEqual([
      ['hh-101', 'P4', T0 + 12 * HOUR],
      ['hh-102', 'P2', T0 + 24 * HOUR],
      ['hh-101', 'P2', T0 + 24 * HOUR],
    ]);
    h.close();
  });

  test('only households with all the tags: living alone but not 80+ keeps 24 h', async () => {
    const h = ruleHarness(tempDir(), { households: [household({ tags: ['living-alone'] })] });
    await flatMeter(h, 25);
    expect(noWaterRaises(h)).toEqual([T0 + 24 * HOUR]);
    h.close();
  });

  test("a household's own override wins over its tags", async () => {
    const h = ruleHarness(tempDir(), {
      households: [household({ tags: ['living-alone', 'aged-80-plus'], rules: { 'no-water-use': { window: '8h' } } })],
    });
    await flatMeter(h, 10);
    expect(noWaterRaises(h)).toEqual([T0 + 8 * HOUR]);
    h.close();
  });

  test('overrides are checked where they are written', () => {
    const base = { gatewayId: 'gw-1', cloud: { url: 'http://127.0.0.1:1' }, devices: [{ id: 'wm-1', householdId: 'hh-1', profile: 'generic/mqtt-water-flow' }] };
    const issues = (extra: Record<string, unknown>) => {
      const r = gatewayConfigSchema.safeParse({ ...base, ...extra });
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(issues({ households: [{ id: 'hh-1', rules: { 'no-water-use': { window: 'soon' } } }] })).toEqual([
      'households[0].rules.no-water-use.window: "soon" is not a duration: write a number and a unit, e.g. "30s", "15m", "24h", "7d"',
    ]);
    expect(issues({ households: [{ id: 'hh-1', rules: { 'no-such-rule': {} } }] })[0]).toMatch(/^households\[0\]\.rules\.no-such-rule: no rule has the id/);
    expect(issues({ households: [{ id: 'hh-1', rules: { sos: { kind: 'range' } } }] })).toEqual(['households[0].rules.sos.kind: the kind of a rule cannot be overridden']);
    expect(issues({ tagOverrides: [{ tags: ['x'], rules: { 'heart-rate': { below: 130 } } }], households: [{ id: 'hh-1', tags: ['x'] }] })).toEqual([
      'tagOverrides[0].rules.heart-rate.below: below must be less than above',
    ]);
    expect(issues({ rules: [...DEFAULT_RULES, { id: 'x', kind: 'range', title: 't', metric: 'noise', grade: 'P1' }] })[0]).toMatch(/^rules\[\d+\]\.metric: /);
  });
});

describe('households: reported absence', () => {
  const away = { from: new Date(T0 + 2 * HOUR).toISOString(), until: new Date(T0 + 40 * HOUR).toISOString(), reason: 'at her daughter’s' };

  test('no "no water use" while away, and the window starts again when she is back', async () => {
    const h = ruleHarness(tempDir(), { households: [household({ away })] });
    await flatMeter(h, 70);
    expect(noWaterRaises(h)).toEqual([T0 + 40 * HOUR + 24 * HOUR]);
    h.close();
  });

  test('SOS is raised while away; it is never quiet', async () => {
    const band = { deviceId: 'band-1', householdId: 'hh-101', heartbeatMs: 5 * MINUTE };
    const h = ruleHarness(tempDir(), { households: [household({ away })], devices: [band] });
    const alerts = h.engine.process({ deviceId: 'band-1', at: T0 + 3 * HOUR, metrics: {}, events: ['sos'] }, band);
    expect(alerts.map((a) => [a.rule, a.grade])).toEqual([['sos', 'P1']]);
    h.close();
  });

  test('water used at home while reported away does not end the absence: the window still starts at her return', async () => {
    const h = ruleHarness(tempDir(), { households: [household({ away })] });
    for (let t = T0; t <= T0 + 66 * HOUR; t += 15 * MINUTE) {
      await h.clock.advanceTo(t);
      h.water(t, t >= T0 + 10 * HOUR ? 130 : 100);
    }
    expect(noWaterRaises(h)).toEqual([T0 + 40 * HOUR + 24 * HOUR]);
    h.close();
  });

  test('several absences: each quiets the rules while it lasts, and the window starts again after each (issue 14)', async () => {
    // No water at all; away 02:00-08:00, then again 20:00-06:00 the next morning (listed out of order).
    const trips = [
      { from: new Date(T0 + 20 * HOUR).toISOString(), until: new Date(T0 + 30 * HOUR).toISOString() },
      { from: new Date(T0 + 2 * HOUR).toISOString(), until: new Date(T0 + 8 * HOUR).toISOString(), reason: 'hospital check-up' },
    ];
    const h = ruleHarness(tempDir(), { households: [household({ away: trips })] });
    await flatMeter(h, 80);
    // Not 24 h after 08:00 (the second trip began before that): 24 h after the second return.
    expect(noWaterRaises(h)).toEqual([T0 + 30 * HOUR + 24 * HOUR]);
    h.close();
  });

  test('an absence must end after it starts', () => {
    expect(() => household({ away: { from: away.until, until: away.from } })).toThrow(/until must be after from/);
  });
});

describe('households: overrides of nested fields', () => {
  test("a site's own night limit keeps the district's night hours (nested overrides merge)", () => {
    const r = gatewayConfigSchema.parse({
      gatewayId: 'gw-1',
      cloud: { url: 'http://127.0.0.1:1' },
      devices: [{ id: 'noise-1', householdId: 'site-1', profile: 'generic/mqtt-water-flow' }],
      rules: DEFAULT_RULES.map((rule) => (rule.id === 'night-noise' ? { ...rule, night: { from: '23:00', to: '07:00', limitDba: 55 } } : rule)),
      households: [{ id: 'site-1', rules: { 'night-noise': { night: { limitDba: 50 } } } }],
    });
    const book = buildRuleBook(r.rules, r.households, r.tagOverrides);
    expect(book.ruleFor('site-1', 'night-noise')).toMatchObject({ night: { from: 23 * 60, to: 7 * 60, limitDba: 50 } });
  });

  test('a device id may not pose as a household (household:... is reserved)', () => {
    const r = gatewayConfigSchema.safeParse({
      gatewayId: 'gw-1',
      cloud: { url: 'http://127.0.0.1:1' },
      devices: [{ id: 'household:hh-101', householdId: 'hh-202', profile: 'generic/mqtt-water-flow' }],
    });
    expect(r.success ? [] : r.error.issues.map((i) => i.message)).toEqual(['ids starting with "household:" are reserved']);
  });
});
