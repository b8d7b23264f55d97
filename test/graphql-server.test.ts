import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codes } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

const introspection = '{ __schema { queryType { name } } }';

describe('in production', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ production: true });
  });
  afterAll(() => gateway.close());

  test('an anonymous caller gets UNAUTHENTICATED, introspection included', async () => {
    const result = await gateway.graphql(introspection, {}, null);
    expect(result.status).toBe(401);
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.data).toBeUndefined();
  });

  test('an authenticated caller may introspect', async () => {
    const result = await gateway.graphql<{ __schema: { queryType: { name: string } } }, object>(introspection, {});
    expect(result.data?.__schema.queryType.name).toBe('Query');
  });

  test('GraphiQL is served to browsers', async () => {
    const response = await gateway.app.fetch(new Request('http://gateway.test/graphql', { headers: { accept: 'text/html' } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(await response.text()).toContain('tenant-gateway');
  });

  test('an unexpected error is masked as INTERNAL without its message', async () => {
    const original = gateway.database.prisma.tenant.findMany;
    gateway.database.prisma.tenant.findMany = (() => Promise.reject(new Error('connection reset by peer'))) as never;
    try {
      const result = await gateway.graphql('{ tenant(id: "acme") { id } }');
      expect(codes(result)).toEqual(['INTERNAL']);
      expect(JSON.stringify(result)).not.toContain('connection reset');
    } finally {
      gateway.database.prisma.tenant.findMany = original;
    }
  });
});

describe('in development', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.close());

  test('an anonymous explorer may introspect, but every scoped field still refuses', async () => {
    expect((await gateway.graphql(introspection, {}, null)).errors).toBeUndefined();
    expect(codes(await gateway.graphql('{ tenants { totalCount } }', {}, null))).toEqual(['UNAUTHENTICATED']);
  });

  test('health, readiness and unknown paths', async () => {
    const health = await gateway.app.fetch(new Request('http://gateway.test/healthz'));
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await gateway.app.fetch(new Request('http://gateway.test/readyz'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: process.env.TEST_POSTGRES_URL ? 'postgres' : 'pglite' });
    const missing = await gateway.app.fetch(new Request('http://gateway.test/nowhere'));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'No route for GET /nowhere' });
  });
});
