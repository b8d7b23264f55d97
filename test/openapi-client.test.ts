import createClient from 'openapi-fetch';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { recordQueries } from '../src/modules/query-logs/query-log-writer.js';
import type { paths } from './generated/openapi.js';
import { projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, uniqueSlug } from './support/gateway.js';

// A client generated from /openapi.json (openapi-typescript + openapi-fetch): it type-checks
// against the document, calls one route of each dialect, and sends query parameters the way
// the document declares them (numbers, booleans, enums, months and dates).
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

test('gateway tenant API: GET /usage/history?period= answers the month asked for', async () => {
  const tenant = await createTenant(gateway);
  const at = (day: string, amount: number) => ({ tenantId: tenant.id, resource: 'llm', metric: 'tokens', amount, recordedAt: new Date(day) });
  await gateway.database.prisma.usageRecord.createMany({ data: [at('2024-01-02T09:00:00Z', 8000), at('2024-02-03T09:00:00Z', 9000)] });
  const history = async (period: string) =>
    (await client.GET('/usage/history', { params: { query: { period }, header: { 'X-Tenant-ID': tenant.id } }, headers: operator() })).data?.history;
  expect(await history('2024-01')).toEqual([{ date: '2024-01-02', api_calls: 0, llm_tokens: 8000 }]);
  expect(await history('2024-02')).toEqual([{ date: '2024-02-03', api_calls: 0, llm_tokens: 9000 }]);
});

test('Control Core: GET /api/v1/tenants/{tenant_id}/metrics?start_date&end_date&granularity', async () => {
  const tenant = await createTenant(gateway);
  const { data, response } = await client.GET('/api/v1/tenants/{tenant_id}/metrics', {
    params: { path: { tenant_id: tenant.slug }, query: { start_date: '2025-01-01', end_date: '2025-01-31', granularity: 'week' } },
    headers: operator(),
  });
  expect(response.status).toBe(200);
  expect(data?.period).toEqual({ start: '2025-01-01T00:00:00Z', end: '2025-01-31T23:59:59Z' });
  expect(data?.granularity).toBe('week');
  // @ts-expect-error the document's enum reaches the client's types: minute is not a granularity
  const minute: NonNullable<paths['/api/v1/tenants/{tenant_id}/metrics']['get']['parameters']['query']> = { granularity: 'minute' };
  const refused = await client.GET('/api/v1/tenants/{tenant_id}/metrics', { params: { path: { tenant_id: tenant.slug }, query: minute }, headers: operator() });
  expect(refused.error).toMatchObject({ error: 'validation_error', field: 'granularity' });
});

test('TenantsDB: the logs filters, ?hard=true and ?status=deleted', async () => {
  const project = await projectWithBlueprint(gateway);
  const headers = { authorization: `Bearer ${project.key}` };
  const [kept, purged] = [await tenantOf(gateway, project), await tenantOf(gateway, project)];
  const run = { tenantId: kept.id, source: 'API', blueprint: 'main', success: true, durationMs: 1 } as const;
  await recordQueries(gateway.database.prisma, [
    { ...run, query: 'SELECT 1', createdAt: new Date(Date.now() - 3 * 60_000) },
    { ...run, query: 'SELECT * FROM nowhere', success: false, error: 'relation "nowhere" does not exist', createdAt: new Date(Date.now() - 2 * 60_000) },
    { ...run, query: 'SELECT 2', createdAt: new Date(Date.now() - 60_000) },
  ]);
  const logs = await client.GET('/tenants/{id}/logs', { params: { path: { id: kept.slug }, query: { type: 'error', since: '1h' } }, headers });
  expect(logs.data?.logs.map((entry) => entry.query)).toEqual(['SELECT * FROM nowhere']);
  const page = await client.GET('/tenants/{id}/logs', { params: { path: { id: kept.slug }, query: { limit: 1, offset: 1 } }, headers });
  expect(page.data).toMatchObject({ count: 1, has_more: true, logs: [{ query: 'SELECT * FROM nowhere' }] });

  const soft = await client.DELETE('/tenants/{id}', { params: { path: { id: kept.slug } }, headers });
  expect(soft.data?.tenant?.status).toBe('deleted');
  const hard = await client.DELETE('/tenants/{id}', { params: { path: { id: purged.slug }, query: { hard: true } }, headers });
  expect(hard.data).toMatchObject({ message: `Tenant '${purged.slug}' permanently deleted`, tenant_id: purged.slug });
  const trash = await client.GET('/tenants', { params: { query: { status: 'deleted' } }, headers });
  expect(trash.data?.tenants.map((tenant) => tenant.tenant_id)).toEqual([kept.slug]);
  expect((await client.GET('/tenants', { params: { query: { status: 'ready' } }, headers })).data?.tenants).toEqual([]);
});
