import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { householdResponseSchema } from '../../../cloud/registry/household-route.js';
import { errorBodySchema } from '../../../contract/ingest-wire.js';
import { startTestCloud, type TestCloud } from '../start-test-cloud.js';
import { addJiangningPlaces } from './places-fixture.js';

let t: TestCloud;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestCloud();
  const { registry, users } = t.cloud;
  await addJiangningPlaces(registry);
  await registry.saveHousehold({
    id: 'hh-101',
    gridId: 'grid-3',
    address: '愚园路 100 弄 5 号 301',
    tags: ['living-alone'],
    residents: [{ name: '王秀英', phone: '13812345678', birthYear: 1940, birthMonth: 3 }],
  });
  for (const [id, role, place] of [
    ['w3', 'grid-worker', 'grid-3'],
    ['w4', 'grid-worker', 'grid-4'],
    ['d1', 'district', 'jingan'],
  ] as const) {
    await users.addUser({ id, name: id, role, places: [place] });
    tokens[id] = (await users.issueToken(id, 'test')).token;
  }
});
afterAll(async () => {
  await t.close();
});

describe('GET /v1/households/:id', () => {
  test("a grid worker reads their grid's household, phones whole", async () => {
    const res = await t.get('/v1/households/hh-101?reason=ticket%20T-1', tokens.w3);
    expect(res.status).toBe(200);
    const { household } = householdResponseSchema.parse(await res.json());
    expect(household.tags).toEqual(['aged-60-plus', 'aged-80-plus', 'living-alone']);
    expect(household.residents[0]!.phone).toBe('13812345678');
  });

  test("another grid's worker gets 403, and so does anyone asking for a household that does not exist", async () => {
    for (const path of ['/v1/households/hh-101?reason=x', '/v1/households/hh-999?reason=x']) {
      const res = await t.get(path, tokens.w4);
      expect(res.status, path).toBe(403);
      expect(errorBodySchema.parse(await res.json()).error).toBe('forbidden');
    }
  });

  test('the district sees the household with phones masked', async () => {
    const { household } = householdResponseSchema.parse(await (await t.get('/v1/households/hh-101?reason=review', tokens.d1)).json());
    expect(household.residents[0]!.phone).toBe('138****5678');
  });

  test('no reason: 400 naming it; a reader or gateway token, or none: 401', async () => {
    const res = await t.get('/v1/households/hh-101', tokens.w3);
    expect(res.status).toBe(400);
    expect(errorBodySchema.parse(await res.json()).issues?.map((i) => i.path)).toEqual(['reason']);
    expect((await t.get('/v1/households/hh-101?reason=x', t.tokens.reader)).status).toBe(401);
    expect((await t.get('/v1/households/hh-101?reason=x', t.tokens.gw1)).status).toBe(401);
    expect((await t.get('/v1/households/hh-101?reason=x')).status).toBe(401);
  });
});
