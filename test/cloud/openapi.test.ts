import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApiSchemas } from '../../cloud/http/openapi.js';
import { startTestCloud, type TestCloud } from './start-test-cloud.js';

interface Media {
  schema?: { $ref?: string };
  example?: unknown;
}
interface Operation {
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

let t: TestCloud;
let doc: OpenApiDocument;
beforeAll(async () => {
  t = await startTestCloud();
  const res = await t.get('/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApiDocument;
});
afterAll(async () => {
  await t.close();
});

/** Every media type of every request body and response, with where it is. */
function media(): Array<{ where: string; media: Media; json: boolean }> {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).flatMap(([method, op]) => [
      ...Object.entries(op.requestBody?.content ?? {}).map(([type, m]) => ({ where: `${method} ${path} request ${type}`, media: m, json: type === 'application/json' })),
      ...Object.entries(op.responses).flatMap(([status, r]) =>
        Object.entries(r.content ?? {}).map(([type, m]) => ({ where: `${method} ${path} ${status} ${type}`, media: m, json: type === 'application/json' })),
      ),
    ]),
  );
}

describe('GET /openapi.json', () => {
  test('is OpenAPI 3.1 and lists exactly the routes the server has', () => {
    expect(doc.openapi).toBe('3.1.0');
    // Fastify adds a HEAD twin to every GET route; the GET documents both.
    // Fastify writes a path parameter :id, OpenAPI {id}.
    const served = t.cloud.routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(served.length).toBeGreaterThanOrEqual(6);
    expect(documented.sort()).toEqual([...new Set(served)].sort());
  });

  test('every JSON body has an example, and each validates against the zod schema it refers to', () => {
    const checked = media().filter((m) => m.json && m.media.schema?.$ref !== undefined);
    expect(checked.length).toBeGreaterThan(20);
    for (const { where, media: m } of checked) {
      expect(m.example, where).toBeDefined();
      const name = m.schema!.$ref!.replace('#/components/schemas/', '');
      const entry = openApiSchemas[name as keyof typeof openApiSchemas];
      expect(entry, `${where}: ${m.schema!.$ref}`).toBeDefined();
      const result = entry.schema.safeParse(m.example);
      expect(result.success ? [] : result.error.issues, where).toEqual([]);
    }
  });

  test('the body schemas are the ones zod generates from the routes\' schemas', () => {
    const readings = doc.components.schemas.IngestReadingsRequest as { properties: { readings: { maxItems: number; items: { required: string[] } } }; additionalProperties: boolean };
    expect(readings.properties.readings.maxItems).toBe(5_000);
    expect(readings.properties.readings.items.required).toEqual(['seq', 'householdId', 'deviceId', 'at', 'metrics']);
    expect(readings.additionalProperties).toBe(false);
    expect(Object.keys(doc.components.schemas).sort()).toEqual(Object.keys(openApiSchemas).sort());
  });
});
