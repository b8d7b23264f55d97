import { afterAll, beforeAll, expect, test } from 'vitest';
import { createKey } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ rateLimits: { ...testRateLimits, tierPerMinute: { FREE: 2, BASIC: 2, PRO: 2, ENTERPRISE: 2 } } });
});
afterAll(() => gateway.close());

test('past its tier quota a tenant credential gets the documented 429, with Retry-After', async () => {
  const created = await gateway.rest('POST', '/api/v1/tenants', {
    headers: { authorization: `Bearer ${gateway.adminKey}` },
    body: { name: 'Acme Corporation', plan_type: 'pro' },
  });
  const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: created.body.id } });
  const { secret } = await createKey(gateway, { scopes: ['POLICIES_READ'], tenant: row.id });
  const headers = { authorization: `Bearer ${secret}`, 'x-tenant-id': created.body.id };
  for (let call = 0; call < 2; call++) expect((await gateway.rest('GET', '/api/v1/policies', { headers })).status).toBe(200);
  const limited = await gateway.rest('GET', '/api/v1/policies', { headers });
  expect(limited.status).toBe(429);
  const retryAfter = Number(limited.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(limited.body).toEqual({
    error: 'rate_limit_exceeded',
    message: `Rate limit exceeded for tenant ${created.body.id}`,
    retry_after: retryAfter,
    limit: 2,
    remaining: 0,
    tenant_id: created.body.id,
  });
  // A request that names no tenant (its key does) is told which tenant, as the documented body is.
  const unnamed = await gateway.rest('GET', '/api/v1/policies', { headers: { authorization: headers.authorization } });
  expect(unnamed.body).toEqual({
    error: 'rate_limit_exceeded',
    message: `Rate limit exceeded for tenant ${created.body.id}`,
    retry_after: expect.any(Number),
    limit: 2,
    remaining: 0,
    tenant_id: created.body.id,
  });
  // Named by its UUID, it is still the tenant's id the 429 names.
  const byUuid = await gateway.rest('GET', '/api/v1/policies', { headers: { authorization: headers.authorization, 'x-tenant-id': row.id } });
  expect(byUuid.body).toMatchObject({ message: `Rate limit exceeded for tenant ${created.body.id}`, tenant_id: created.body.id });
});
