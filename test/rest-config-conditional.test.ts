import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { App } from '../src/app.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits } from './support/gateway.js';
import { startReplica } from './support/replica.js';

// GET /api/v1/tenants/{id}/config with If-None-Match, and the version-keyed cache behind it.

const readsPerMinute = 5;
let gateway: TestGateway;
let replica: App;
let auth: Record<string, string>;
beforeAll(async () => {
  const rateLimits = { ...testRateLimits, fields: { ...testRateLimits.fields, 'Query.tenantConfig': readsPerMinute } };
  gateway = await startGateway({ rateLimits });
  replica = await startReplica(gateway, {}, rateLimits);
  auth = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(async () => {
  await replica.close();
  await gateway.close();
});

const get = (id: string, headers: Record<string, string> = {}) => gateway.rest('GET', `/api/v1/tenants/${id}/config`, { headers: { ...auth, ...headers } });
const put = (id: string, body: unknown) => gateway.rest('PUT', `/api/v1/tenants/${id}/config`, { headers: auth, body });

describe('If-None-Match', () => {
  test('a matching ETag is 304 with the ETag and no body', async () => {
    const tenant = await createTenant(gateway);
    const first = await get(tenant.id);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toBe('"v1"');

    const again = await get(tenant.id, { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.body).toBeUndefined();
    expect((await get(tenant.slug, { 'if-none-match': `"v7", W/${etag}` })).status).toBe(304);
    expect((await get(tenant.id, { 'if-none-match': '*' })).status).toBe(304);
  });

  test('after a PUT the old ETag is 200 with the new configuration and the new ETag', async () => {
    const tenant = await createTenant(gateway);
    const etag = (await get(tenant.id)).headers.get('etag')!;
    expect((await put(tenant.id, { performance: { cache_size_mb: 2048 } })).status).toBe(200);

    const changed = await get(tenant.id, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).toBe('"v2"');
    expect(changed.body.performance.cache_size_mb).toBe(2048);
  });

  test("a 304 is a configuration read: it counts against the tenant's limit and is metered", async () => {
    const tenant = await createTenant(gateway);
    const { secret } = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: tenant.id });
    const own = { authorization: `Bearer ${secret}` };
    const etag = (await get(tenant.id, own)).headers.get('etag')!;
    for (let read = 1; read < readsPerMinute; read++) expect((await get(tenant.id, { ...own, 'if-none-match': etag })).status).toBe(304);

    const refused = await get(tenant.id, { ...own, 'if-none-match': etag });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'Too Many Requests', code: 429, tenant_id: tenant.id });

    await gateway.app.meter.flush();
    const stat = await gateway.database.prisma.apiCallStat.findFirst({ where: { tenantId: tenant.id, endpoint: 'GET /api/v1/tenants/{id}/config' } });
    expect(stat).toMatchObject({ calls: readsPerMinute + 1, failures: 1 });
  });

  test("another tenant's key gets 404, not 304, and a refused key 401", async () => {
    const tenant = await createTenant(gateway);
    const other = await createTenant(gateway);
    const intruder = await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: other.id });
    const etag = (await get(tenant.id)).headers.get('etag')!;

    const hidden = await get(tenant.id, { authorization: `Bearer ${intruder.secret}`, 'if-none-match': etag });
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('etag')).toBeNull();
    expect(hidden.body).toEqual({ error: 'Not Found', message: 'Tenant does not exist', code: 404, tenant_id: tenant.id });
    expect((await get(tenant.id, { authorization: 'Bearer not-a-key', 'if-none-match': etag })).status).toBe(401);
  });
});

describe('the version-keyed cache', () => {
  test('a PUT through another replica is seen by the next GET here: the version is read on every request', async () => {
    const tenant = await createTenant(gateway);
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');
    expect((await get(tenant.id)).headers.get('etag')).toBe('"v1"');

    const written = await replica.fetch(
      new Request(`http://gateway.test/api/v1/tenants/${tenant.id}/config`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ security: { session_timeout_mins: 45 } }),
      }),
    );
    expect(written.status).toBe(200);

    const read = await get(tenant.id);
    expect(read.headers.get('etag')).toBe('"v2"');
    expect(read.body.security.session_timeout_mins).toBe(45);
  });

  test('a warm GET sends one statement that reads the version, not the document; a changed version costs a second', async () => {
    const tenant = await createTenant(gateway);
    const cold = await gateway.countQueries(() => get(tenant.id));
    expect(cold).toHaveLength(1);
    expect(cold[0]).toMatch(/"document"/);

    let body: unknown;
    const warm = await gateway.countQueries(async () => {
      body = (await get(tenant.id)).body;
    });
    expect(warm).toHaveLength(1);
    expect(warm[0]).not.toMatch(/"document"/);
    expect(body).toEqual((await get(tenant.slug)).body);

    expect((await put(tenant.id, { performance: { cache_size_mb: 512 } })).status).toBe(200);
    const changed = await gateway.countQueries(() => get(tenant.id));
    expect(changed).toHaveLength(2);
    expect(warm.length).toBeLessThan(changed.length);
  });
});
