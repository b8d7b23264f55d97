import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// RBAC of the gateway tenant API (seed 001, issue 15): roles for a tenant's end users, and the check applications call.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

/** The seed's RBAC examples send only a Bearer token: a tenant key. */
async function tenantWithKey() {
  const tenant = await createTenant(gateway, { tier: 'PRO' });
  const key = await createKey(gateway, { scopes: ['CONFIG_READ', 'CONFIG_WRITE'], tenant: tenant.id });
  const headers = { authorization: `Bearer ${key.secret}` };
  return { tenant, call: (method: string, path: string, body?: unknown) => gateway.rest(method, path, { headers, body }) };
}

const defaults = {
  enabled: true,
  defaultRole: 'viewer',
  roles: [
    { name: 'viewer', permissions: ['read'] },
    { name: 'admin', permissions: ['read', 'write', 'delete'] },
  ],
};

describe('the documented examples', () => {
  test('GET /tenant/rbac: a new tenant has viewer and admin, viewer the default', async () => {
    const { call } = await tenantWithKey();
    const response = await call('GET', '/tenant/rbac');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(defaults);
  });

  test('POST /tenant/rbac/roles creates a role', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/rbac/roles', { name: 'editor', description: 'Can edit content', permissions: ['read', 'write'] });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      success: true,
      message: 'Role created',
      role: { name: 'editor', description: 'Can edit content', permissions: ['read', 'write'] },
    });
    expect((await call('GET', '/tenant/rbac')).body.roles).toEqual([
      ...defaults.roles,
      { name: 'editor', description: 'Can edit content', permissions: ['read', 'write'] },
    ]);
  });

  test('PUT /tenant/rbac/roles/:name updates its permissions', async () => {
    const { call } = await tenantWithKey();
    await call('POST', '/tenant/rbac/roles', { name: 'editor', description: 'Can edit content', permissions: ['read', 'write'] });
    const response = await call('PUT', '/tenant/rbac/roles/editor', { permissions: ['read', 'write', 'publish'] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      message: 'Role updated',
      role: { name: 'editor', description: 'Can edit content', permissions: ['read', 'write', 'publish'] },
    });
  });

  test('DELETE /tenant/rbac/roles/:name deletes it', async () => {
    const { call } = await tenantWithKey();
    await call('POST', '/tenant/rbac/roles', { name: 'editor', description: 'Can edit content', permissions: ['read', 'write'] });
    const response = await call('DELETE', '/tenant/rbac/roles/editor');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ success: true, message: 'Role deleted' });
    expect((await call('GET', '/tenant/rbac')).body).toEqual(defaults);
  });
});

describe('rules', () => {
  test('a name already taken is 409', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/rbac/roles', { name: 'viewer', permissions: ['read'] });
    expect({ status: response.status, body: response.body }).toEqual({
      status: 409,
      body: { success: false, error: 'conflict', message: 'A role named "viewer" already exists' },
    });
  });

  test('an unknown role is 404 to PUT and DELETE', async () => {
    const { call } = await tenantWithKey();
    for (const method of ['PUT', 'DELETE']) {
      const response = await call(method, '/tenant/rbac/roles/nobody', method === 'PUT' ? { permissions: ['read'] } : undefined);
      expect({ status: response.status, body: response.body }).toEqual({
        status: 404,
        body: { success: false, error: 'not_found', message: 'No role named "nobody"' },
      });
    }
  });

  test('deleting the default role is 409 until another is the default', async () => {
    const { call } = await tenantWithKey();
    const refused = await call('DELETE', '/tenant/rbac/roles/viewer');
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 409,
      body: { success: false, error: 'conflict', message: '"viewer" is the default role: make another role the default first' },
    });
    const set = await call('PUT', '/tenant/rbac', { defaultRole: 'admin' });
    expect(set.body).toEqual({ ...defaults, defaultRole: 'admin' });
    expect((await call('DELETE', '/tenant/rbac/roles/viewer')).status).toBe(200);
  });

  const nameRule = (field: string) => `${field} must be 1-64 characters: a lowercase letter, then lowercase letters, digits, "_", ".", ":" or "-"`;
  test.each([
    ['an uppercase name', { name: 'Editor', permissions: ['read'] }, nameRule('name')],
    ['a name starting with a digit', { name: '1editor', permissions: ['read'] }, nameRule('name')],
    ['a name of 65 characters', { name: `e${'x'.repeat(64)}`, permissions: ['read'] }, nameRule('name')],
    ['no permission', { name: 'editor', permissions: [] }, 'a role needs at least one permission'],
    ['a bad permission', { name: 'editor', permissions: ['read', 'Write!'] }, nameRule('permission')],
  ])('%s is 400, nothing written', async (_name, body, message) => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/rbac/roles', body);
    expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { success: false, error: 'bad_user_input', message } });
    expect((await call('GET', '/tenant/rbac')).body).toEqual(defaults);
  });

  test('a PUT with no permission left is 400', async () => {
    const { call } = await tenantWithKey();
    const response = await call('PUT', '/tenant/rbac/roles/admin', { permissions: [] });
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: { success: false, error: 'bad_user_input', message: 'a role needs at least one permission' },
    });
  });

  test('permissions given twice are kept once; names like billing:read are valid', async () => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/tenant/rbac/roles', { name: 'billing.admin', permissions: ['billing:read', 'billing:read', 'invoices-write'] });
    expect(response.body.role).toEqual({ name: 'billing.admin', permissions: ['billing:read', 'invoices-write'] });
  });

  test('a PUT without description keeps it; an empty one clears it', async () => {
    const { call } = await tenantWithKey();
    await call('POST', '/tenant/rbac/roles', { name: 'editor', description: 'Can edit content', permissions: ['read'] });
    expect((await call('PUT', '/tenant/rbac/roles/editor', { permissions: ['write'] })).body.role).toEqual({
      name: 'editor',
      description: 'Can edit content',
      permissions: ['write'],
    });
    expect((await call('PUT', '/tenant/rbac/roles/editor', { description: '' })).body.role).toEqual({ name: 'editor', permissions: ['write'] });
  });

  test('PUT /tenant/rbac: a default role that does not exist is 400', async () => {
    const { call } = await tenantWithKey();
    const response = await call('PUT', '/tenant/rbac', { defaultRole: 'ghost' });
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: { success: false, error: 'bad_user_input', message: 'defaultRole: no role named "ghost"' },
    });
  });
});

describe('the check applications call', () => {
  test('POST /tenant/rbac/check and rbacCheck: a role grants its permissions only; with RBAC disabled everything is allowed', async () => {
    const { call, tenant } = await tenantWithKey();
    const check = async (role: string, permission: string) => (await call('POST', '/tenant/rbac/check', { role, permission })).body;
    expect(await check('viewer', 'read')).toEqual({ allowed: true });
    expect(await check('viewer', 'write')).toEqual({ allowed: false });
    expect(await check('ghost', 'read')).toEqual({ allowed: false });
    const graphql = await gateway.graphql(`{ rbacCheck(tenant: "${tenant.id}", role: "admin", permission: "delete") }`);
    expect(graphql.data).toEqual({ rbacCheck: true });
    expect((await call('PUT', '/tenant/rbac', { enabled: false })).body.enabled).toBe(false);
    expect(await check('viewer', 'write')).toEqual({ allowed: true });
  });

  test("a read-only key reads and checks but cannot change roles; another tenant's roles are out of reach", async () => {
    const { tenant } = await tenantWithKey();
    const reader = (await createKey(gateway, { scopes: ['CONFIG_READ'], tenant: tenant.id })).secret;
    const headers = { authorization: `Bearer ${reader}` };
    expect((await gateway.rest('GET', '/tenant/rbac', { headers })).status).toBe(200);
    expect((await gateway.rest('POST', '/tenant/rbac/check', { headers, body: { role: 'viewer', permission: 'read' } })).body).toEqual({ allowed: true });
    expect((await gateway.rest('POST', '/tenant/rbac/roles', { headers, body: { name: 'x', permissions: ['read'] } })).status).toBe(403);
    const other = await createTenant(gateway);
    expect((await gateway.rest('GET', '/tenant/rbac', { headers: { ...headers, 'x-tenant-id': other.id } })).status).toBe(404);
  });
});
