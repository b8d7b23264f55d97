import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
let admin: Record<string, string>;
beforeAll(async () => {
  gateway = await startGateway();
  admin = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(() => gateway.close());

async function tenant(settings: Record<string, number> = {}) {
  const response = await gateway.rest('POST', '/api/v1/tenants', {
    headers: admin,
    body: { name: 'Acme Corporation', domain: `acme${randomBytes(3).toString('hex')}.controlcore.io`, plan_type: 'pro', settings },
  });
  const row = await gateway.database.prisma.tenant.findUniqueOrThrow({ where: { slug: response.body.id } });
  return { id: response.body.id as string, uuid: row.id };
}

// The seed's expiry (2026-01-25) has passed; the same request a year on.
const documented = { name: 'Production API Key', scopes: ['policies:read', 'policies:write', 'resources:read'], expires_at: '2027-01-25T10:30:00Z' };
const keyCount = () => gateway.database.prisma.apiKey.count();

describe('POST /tenants/{tenant_id}/api-keys', () => {
  test('the documented request answers the documented key, shown once and stored as a hash', async () => {
    const owner = await tenant();
    const response = await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: admin, body: documented });
    expect(response.status).toBe(201);
    const { id, key, created_at, ...fields } = response.body;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(key).toMatch(/^cc_live_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(fields).toEqual({ name: 'Production API Key', scopes: ['policies:read', 'policies:write', 'resources:read'], expires_at: '2027-01-25T10:30:00Z' });
    const row = await gateway.database.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      owner: 'TENANT',
      tenantId: owner.uuid,
      secretHash: createHash('sha256').update(key).digest('hex'),
      scopes: ['policies:read', 'policies:write', 'resources:read'],
    });
    expect(JSON.stringify(row)).not.toContain(key.slice(17));
    expect((await gateway.rest('GET', `/api/v1/tenants/${owner.id}`, { headers: admin })).body.limits.users_used).toBe(2);
  });

  test('the key reaches its tenant only, and each route needs its scope', async () => {
    const [owner, other] = [await tenant(), await tenant()];
    const { key } = (await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: admin, body: documented })).body;
    const bearer = { authorization: `Bearer ${key}` };
    expect((await gateway.rest('POST', '/api/v1/policies', { headers: bearer, body: { name: 'p' } })).status).toBe(201);
    expect((await gateway.rest('GET', '/api/v1/policies', { headers: bearer })).body.map((policy: { name: string }) => policy.name)).toEqual(['p']);
    expect((await gateway.rest('GET', '/api/v1/resources', { headers: bearer })).status).toBe(200);
    for (const [method, path] of [
      ['POST', '/api/v1/resources'],
      ['GET', '/api/v1/bouncers'],
      ['GET', `/api/v1/tenants/${owner.id}`],
    ] as const) {
      const refused = await gateway.rest(method, path, { headers: bearer, body: method === 'POST' ? { name: 'r' } : undefined });
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.error).toBe('insufficient_scope');
    }
    const cross = await gateway.rest('GET', '/api/v1/policies', { headers: { ...bearer, 'x-tenant-id': other.id } });
    expect(cross.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${other.id}`, tenant_id: other.id });
  });

  test.each([
    [{ ...documented, scopes: ['policies:read', 'policies:admin'] }, 'scopes.1'],
    [{ ...documented, scopes: ['config:read'] }, 'scopes.0'],
    [{ ...documented, scopes: [] }, 'scopes'],
    [{ ...documented, expires_at: '2025-01-25T10:30:00Z' }, 'expires_at'],
    [{ ...documented, expires_at: 'next tuesday' }, 'expires_at'],
    [{ ...documented, name: '' }, 'name'],
    [{ scopes: ['policies:read'] }, 'name'],
    [{ ...documented, owner: 'me' }, 'body'],
  ])('%j is 400 naming %s, and no key is made', async (body, field) => {
    const owner = await tenant();
    const before = await keyCount();
    const response = await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: admin, body });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body).toMatchObject({ error: 'validation_error', field, tenant_id: owner.id });
    expect(await keyCount()).toBe(before);
  });

  test('an expiry in the past says so', async () => {
    const owner = await tenant();
    const response = await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, {
      headers: admin,
      body: { ...documented, expires_at: '2025-01-25T10:30:00Z' },
    });
    expect(response.body.message).toBe('expires_at must be in the future');
  });

  test('max_users refuses the key past the limit (the administrator counts as one user)', async () => {
    const owner = await tenant({ max_users: 2 });
    expect((await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: admin, body: documented })).status).toBe(201);
    const before = await keyCount();
    const refused = await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: admin, body: documented });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: 'limit_exceeded',
      message: "The tenant's user limit is reached (settings.max_users: 2); revoke a key first",
      limit: 2,
      field: 'settings.max_users',
      tenant_id: owner.id,
    });
    expect(await keyCount()).toBe(before);
  });

  test("a tenant's key with keys:write makes keys for its own tenant only, and grants only scopes it holds", async () => {
    const [owner, other] = [await tenant(), await tenant()];
    const { secret } = await createKey(gateway, { scopes: ['KEYS_WRITE', 'POLICIES_READ'], tenant: owner.uuid });
    const bearer = { authorization: `Bearer ${secret}` };
    const own = await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: bearer, body: { name: 'reader', scopes: ['policies:read'] } });
    expect(own.status).toBe(201);
    expect(own.body.expires_at).toBeNull();
    const wider = await gateway.rest('POST', `/api/v1/tenants/${owner.id}/api-keys`, { headers: bearer, body: { name: 'writer', scopes: ['policies:write'] } });
    expect(wider.status).toBe(403);
    expect(wider.body).toMatchObject({ error: 'insufficient_scope', scope: 'policies:write' });
    for (const target of [other.id, 'tenant-nobody-000']) {
      const cross = await gateway.rest('POST', `/api/v1/tenants/${target}/api-keys`, { headers: bearer, body: { name: 'x', scopes: ['policies:read'] } });
      expect(cross.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${target}`, tenant_id: target });
    }
    expect((await gateway.rest('POST', '/api/v1/tenants/tenant-nobody-000/api-keys', { headers: admin, body: documented })).body.error).toBe(
      'tenant_not_found',
    );
  });
});
