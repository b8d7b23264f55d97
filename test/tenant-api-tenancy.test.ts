import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readEnvironment } from '../src/env.js';
import { tenantApiDialect } from '../src/rest/dialects/tenant-api/routes.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Issue 15: on every route of the gateway tenant API, a tenant's own key implies its tenant;
// an X-Tenant-ID naming another tenant is refused exactly like one naming no tenant.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

const amount = { resource: 'llm', metric: 'tokens', amount: 1 };
/** A request each route of the dialect answers for the tenant's own key. */
const samples: Record<string, { path: string; body?: unknown; setup?: (tenantId: string) => Promise<unknown> }> = {
  'GET /usage/summary': { path: '/usage/summary' },
  'GET /usage/history': { path: '/usage/history' },
  'GET /tenant/info': { path: '/tenant/info' },
  'GET /tenant/limits/resources': { path: '/tenant/limits/resources' },
  'PUT /tenant/limits/resources': { path: '/tenant/limits/resources', body: [] },
  'GET /tenant/limits/resources/usage': { path: '/tenant/limits/resources/usage' },
  'POST /tenant/limits/resources/check': { path: '/tenant/limits/resources/check', body: amount },
  'POST /tenant/limits/resources/track': { path: '/tenant/limits/resources/track', body: amount },
  'GET /tenant/config': { path: '/tenant/config' },
  'POST /tenant/config': { path: '/tenant/config', body: { cache: { enabled: true } } },
  'GET /tenant/rbac': { path: '/tenant/rbac' },
  'PUT /tenant/rbac': { path: '/tenant/rbac', body: { enabled: true } },
  'POST /tenant/rbac/roles': {
    path: '/tenant/rbac/roles',
    body: { name: 'editor', permissions: ['read'] },
    setup: (tenantId) => gateway.graphql(`mutation { deleteRole(tenant: "${tenantId}", name: "editor") { name } }`),
  },
  'PUT /tenant/rbac/roles/{name}': { path: '/tenant/rbac/roles/admin', body: { permissions: ['read'] } },
  'DELETE /tenant/rbac/roles/{name}': {
    path: '/tenant/rbac/roles/editor',
    setup: (tenantId) => gateway.graphql(`mutation { createRole(tenant: "${tenantId}", name: "editor", permissions: ["read"]) { name } }`),
  },
  'POST /tenant/rbac/check': { path: '/tenant/rbac/check', body: { role: 'viewer', permission: 'read' } },
  'GET /tenant/secrets': { path: '/tenant/secrets' },
  'POST /tenant/secrets': { path: '/tenant/secrets', body: { key: 'API_TOKEN', value: 'v' } },
  'DELETE /tenant/secrets/{key}': {
    path: '/tenant/secrets/API_TOKEN',
    setup: (tenantId) => gateway.graphql(`mutation { storeTenantSecret(tenant: "${tenantId}", name: "API_TOKEN", value: "v") { name } }`),
  },
};

const routes = tenantApiDialect(readEnvironment({}).TENANT_API_PREFIX).routes.map((route) => `${route.method} ${route.path}`);

test('every route of the dialect is in this table', () => {
  expect(routes.filter((route) => !samples[route])).toEqual([]);
});

describe.each(routes)('%s', (route) => {
  const [method] = route.split(' ') as [string];
  const sample = () => samples[route]!;
  let own: { id: string; slug: string };
  let key: string;
  let other: { id: string; slug: string };
  beforeAll(async () => {
    own = await createTenant(gateway, { tier: 'PRO' });
    other = await createTenant(gateway, { tier: 'PRO' });
    key = (await createKey(gateway, { scopes: ['ADMIN'], tenant: own.id })).secret;
  });
  const call = async (headers: Record<string, string>) => {
    await sample().setup?.(own.id);
    return gateway.rest(method, sample().path, { headers, body: sample().body });
  };

  test('a tenant key without X-Tenant-ID acts on its own tenant', async () => {
    const response = await call({ authorization: `Bearer ${key}` });
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
  });

  test('a tenant key with its own slug or UUID in X-Tenant-ID', async () => {
    for (const ref of [own.slug, own.id]) {
      const response = await call({ authorization: `Bearer ${key}`, 'x-tenant-id': ref });
      expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
    }
  });

  test('a tenant key naming another tenant gets the answer of a tenant that does not exist', async () => {
    const existing = await call({ authorization: `Bearer ${key}`, 'x-tenant-id': other.slug });
    const byId = await call({ authorization: `Bearer ${key}`, 'x-tenant-id': other.id });
    const missing = await call({ authorization: `Bearer ${key}`, 'x-tenant-id': 'no-such-tenant' });
    const expected = { status: 404, body: { success: false, error: 'not_found', message: 'Tenant does not exist' } };
    for (const response of [existing, byId, missing]) expect({ status: response.status, body: response.body }).toEqual(expected);
  });

  test('an operator naming no tenant is 404; naming none at all is 400', async () => {
    const missing = await call({ authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': 'no-such-tenant' });
    expect({ status: missing.status, body: missing.body }).toEqual({
      status: 404,
      body: { success: false, error: 'not_found', message: 'Tenant does not exist' },
    });
    const unnamed = await call({ authorization: `Bearer ${gateway.adminKey}` });
    expect({ status: unnamed.status, body: unnamed.body }).toEqual({
      status: 400,
      body: { success: false, error: 'bad_user_input', message: 'Name the tenant: this API key is not owned by one tenant' },
    });
  });
});
