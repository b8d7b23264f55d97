import createClient from 'openapi-fetch';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { paths } from './generated/openapi.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// A client generated from /openapi.json (openapi-typescript + openapi-fetch): it type-checks
// against the document and calls one route of each dialect.
let gateway: TestGateway;
let client: ReturnType<typeof createClient<paths>>;
beforeAll(async () => {
  gateway = await startGateway();
  client = createClient<paths>({ baseUrl: 'http://gateway.test', fetch: (request) => gateway.app.fetch(request) });
});
afterAll(() => gateway.close());

const operator = () => ({ authorization: `Bearer ${gateway.adminKey}` });

test('Tenant Configuration API: GET /api/v1/tenants/{id}/config', async () => {
  const tenant = await createTenant(gateway);
  const { data, response } = await client.GET('/api/v1/tenants/{id}/config', { params: { path: { id: tenant.id } }, headers: operator() });
  expect(response.status).toBe(200);
  expect(data?.tenant_id).toBe(tenant.id);
  expect(data?.performance.cache_size_mb).toBe(1024);
});

test('Event History: POST /api/initialize-tenant', async () => {
  const name = uniqueSlug('client');
  const { data, response } = await client.POST('/api/initialize-tenant', {
    body: { database_name: name, client_label: 'Generated client' },
    headers: { 'x-api-key': gateway.adminKey },
  });
  expect(response.status).toBe(201);
  expect(data?.database_name).toBe(name);
  expect(data?.client_secret).toMatch(/^tgw_/);
});

test('gateway tenant API: GET /usage/summary', async () => {
  const tenant = await createTenant(gateway);
  const { data, response } = await client.GET('/usage/summary', { params: { header: { 'X-Tenant-ID': tenant.slug } }, headers: operator() });
  expect(response.status).toBe(200);
  expect(data?.tenant_id).toBe(tenant.slug);
  expect(data?.api_calls).toBeGreaterThanOrEqual(0);
});

test('TenantsDB: GET /regions, public', async () => {
  const { data, response } = await client.GET('/regions');
  expect(response.status).toBe(200);
  expect(data?.success).toBe(true);
  expect(data?.regions.map((region) => region.zone)).toContain('us-east');
});
