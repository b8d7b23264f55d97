import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pruneQueryLogs } from '../src/modules/query-logs/query-log-retention.js';
import { type QueryRun, recordQueries } from '../src/modules/query-logs/query-log-writer.js';
import { type DataPlaneProject, projectWithBlueprint, tenantOf } from './support/data-plane.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// TenantsDB API (seed 002): a tenant's query log, its stats and its metrics. The entries are
// written through the query log service, as admin queries write them.

let gateway: TestGateway;
let project: DataPlaneProject;
let other: DataPlaneProject;

const as = (key: string) => ({ authorization: `Bearer ${key}` });

/** A new tenant of `owner`'s project (blueprint main); its UUID and slug. */
const tenant = (owner = project) => tenantOf(gateway, owner);

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
const run = (tenantId: string, fields: Partial<QueryRun> = {}): QueryRun => ({
  tenantId,
  source: 'API',
  blueprint: 'main',
  query: 'SELECT 1',
  success: true,
  durationMs: 1,
  createdAt: minutesAgo(1),
  ...fields,
});

beforeAll(async () => {
  gateway = await startGateway({ env: { SLOW_QUERY_MS: 100 } });
  // A tenant per test: past FREE's 5.
  project = await projectWithBlueprint(gateway, 'main', [], 'BASIC');
  other = await projectWithBlueprint(gateway);
});
afterAll(() => gateway.close());

describe('GET /tenants/{id}/logs', () => {
  test('the documented entry, field by field', async () => {
    const acme = await tenant();
    const at = new Date('2026-11-29T07:30:00.456Z');
    await recordQueries(gateway.database.prisma, [
      run(acme.id, { query: 'SELECT * FROM users WHERE active = true', source: 'PROXY', durationMs: 4.213, createdAt: at }),
    ]);
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs`, { headers: as(project.key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: acme.slug,
      logs: [{ query: 'SELECT * FROM users WHERE active = true', source: 'proxy', success: true, duration_ms: 4.2, created_at: '2026-11-29T07:30:00Z' }],
      count: 1,
      has_more: false,
    });
  });

  test('50 entries by default, newest first, has_more while more follow; limit and offset page through', async () => {
    const acme = await tenant();
    await recordQueries(
      gateway.database.prisma,
      Array.from({ length: 60 }, (_, index) => run(acme.id, { query: `SELECT ${index}`, createdAt: minutesAgo(60 - index) })),
    );
    const first = await gateway.rest('GET', `/tenants/${acme.slug}/logs`, { headers: as(project.key) });
    expect(first.body.count).toBe(50);
    expect(first.body.has_more).toBe(true);
    expect(first.body.logs[0].query).toBe('SELECT 59');
    expect(first.body.logs[49].query).toBe('SELECT 10');
    const last = await gateway.rest('GET', `/tenants/${acme.slug}/logs?limit=20&offset=50`, { headers: as(project.key) });
    expect(last.body.logs.map((log: { query: string }) => log.query)).toEqual(Array.from({ length: 10 }, (_, index) => `SELECT ${9 - index}`));
    expect(last.body.has_more).toBe(false);
    const exact = await gateway.rest('GET', `/tenants/${acme.slug}/logs?limit=10&offset=50`, { headers: as(project.key) });
    expect([exact.body.count, exact.body.has_more]).toEqual([10, false]);
    const all = await gateway.rest('GET', `/tenants/${acme.slug}/logs?limit=1000`, { headers: as(project.key) });
    expect([all.body.count, all.body.has_more]).toEqual([60, false]);
  });

  test('type, source, search and since filter the entries; an error carries its message', async () => {
    const acme = await tenant();
    await recordQueries(gateway.database.prisma, [
      run(acme.id, { query: 'SELECT * FROM Orders', durationMs: 250, createdAt: minutesAgo(5) }),
      run(acme.id, { query: 'SELECT * FROM nowhere', success: false, error: 'relation "nowhere" does not exist', durationMs: 2, createdAt: minutesAgo(10) }),
      run(acme.id, { query: "SELECT '100%' FROM users", source: 'PROXY', createdAt: minutesAgo(120) }),
      run(acme.id, { query: 'SELECT * FROM users', durationMs: 100, createdAt: new Date(Date.now() - 3 * 86_400_000) }),
      run(acme.id, { query: 'SELECT * FROM users_archive', createdAt: new Date(Date.now() - 20 * 86_400_000) }),
    ]);
    const queries = async (parameters: string) => {
      const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs?${parameters}`, { headers: as(project.key) });
      expect(response.status).toBe(200);
      return response.body.logs.map((log: { query: string }) => log.query);
    };
    expect(await queries('type=error')).toEqual(['SELECT * FROM nowhere']);
    const errors = await gateway.rest('GET', `/tenants/${acme.slug}/logs?type=error`, { headers: as(project.key) });
    expect(errors.body.logs[0]).toMatchObject({ success: false, error: 'relation "nowhere" does not exist', duration_ms: 2 });
    expect(await queries('type=slow')).toEqual(['SELECT * FROM Orders', 'SELECT * FROM users']);
    expect(await queries('source=proxy')).toEqual(["SELECT '100%' FROM users"]);
    expect(await queries('source=api&type=slow')).toEqual(['SELECT * FROM Orders', 'SELECT * FROM users']);
    expect(await queries('search=orders')).toEqual(['SELECT * FROM Orders']);
    expect(await queries('search=100%25')).toEqual(["SELECT '100%' FROM users"]);
    expect(await queries('search=users_')).toEqual(['SELECT * FROM users_archive']);
    expect(await queries('since=1h')).toEqual(['SELECT * FROM Orders', 'SELECT * FROM nowhere']);
    expect(await queries('since=24h')).toHaveLength(3);
    expect(await queries('since=7d')).toHaveLength(4);
    expect(await queries('since=30d')).toHaveLength(5);
  });

  test.each([
    ['limit=0', 'limit must be an integer from 1 to 1000'],
    ['limit=1001', 'limit must be an integer from 1 to 1000'],
    ['limit=ten', 'limit must be an integer from 1 to 1000'],
    ['limit=-5', 'limit must be an integer from 1 to 1000'],
    ['offset=-1', 'offset must be an integer from 0 up'],
    ['offset=1.5', 'offset must be an integer from 0 up'],
    ['type=fast', 'type must be one of error, slow'],
    ['source=web', 'source must be one of proxy, api'],
    ['since=2h', 'since must be one of 1h, 24h, 7d, 30d'],
    ['since=', 'since must be one of 1h, 24h, 7d, 30d'],
  ])('?%s is 400 naming the parameter, in the envelope', async (parameters, message) => {
    const acme = await tenant();
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs?${parameters}`, { headers: as(project.key) });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: message });
  });

  test('a NUL byte in search is refused, naming the field', async () => {
    const acme = await tenant();
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs?search=a%00b`, { headers: as(project.key) });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, code: 'bad_request', error: expect.stringContaining('search') });
  });

  test('GraphQL refuses a page size out of range naming limit', async () => {
    const acme = await tenant();
    const response = await gateway.graphql(`{ tenantQueryLogs(tenant: "${acme.slug}", limit: 5000) { hasMore } }`);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(response.errors?.[0]?.message).toContain('limit');
  });
});

describe('GET /tenants/{id}/logs/stats', () => {
  test('the documented totals, field by field, computed over the log', async () => {
    const acme = await tenant();
    await recordQueries(gateway.database.prisma, [
      run(acme.id, { source: 'PROXY', durationMs: 10 }),
      run(acme.id, { source: 'PROXY', durationMs: 120 }),
      run(acme.id, { source: 'PROXY', durationMs: 8, success: false, error: 'syntax error' }),
      run(acme.id, { source: 'API', durationMs: 11.6 }),
    ]);
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs/stats`, { headers: as(project.key) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: acme.slug,
      total_queries: 4,
      successful: 3,
      failed: 1,
      by_source: { proxy: 3, api: 1 },
      avg_duration_ms: 37.4,
      slow_queries: 1,
    });
  });

  test('a tenant without queries has zeros', async () => {
    const acme = await tenant();
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs/stats`, { headers: as(project.key) });
    expect(response.body).toMatchObject({ total_queries: 0, successful: 0, failed: 0, by_source: { proxy: 0, api: 0 }, avg_duration_ms: 0, slow_queries: 0 });
  });
});

describe('GET /tenants/{id}/metrics', () => {
  test('query count, success rate and latency percentiles', async () => {
    const acme = await tenant();
    await recordQueries(gateway.database.prisma, [
      ...Array.from({ length: 100 }, (_, index) => run(acme.id, { durationMs: index + 1, success: index % 20 !== 0, createdAt: minutesAgo(30) })),
      run(acme.id, { durationMs: 5000, createdAt: new Date(Date.now() - 2 * 86_400_000) }),
    ]);
    const day = await gateway.rest('GET', `/tenants/${acme.slug}/metrics?since=24h`, { headers: as(project.key) });
    expect(day.status).toBe(200);
    expect(day.body).toEqual({
      success: true,
      http_status: 200,
      code: 'ok',
      tenant_id: acme.slug,
      since: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      query_count: 100,
      successful: 95,
      failed: 5,
      success_rate: 95,
      latency_ms: { avg: 50.5, p50: 50.5, p95: 95.1, p99: 99 },
    });
    const all = await gateway.rest('GET', `/tenants/${acme.slug}/metrics`, { headers: as(project.key) });
    expect(all.body).toMatchObject({ since: null, query_count: 101, successful: 96 });
  });

  test('without queries: zero count, null rate and latencies; a bad since is 400', async () => {
    const acme = await tenant();
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/metrics`, { headers: as(project.key) });
    expect(response.body).toMatchObject({ query_count: 0, success_rate: null, latency_ms: { avg: null, p50: null, p95: null, p99: null } });
    const bad = await gateway.rest('GET', `/tenants/${acme.slug}/metrics?since=1y`, { headers: as(project.key) });
    expect(bad.body).toEqual({ success: false, http_status: 400, code: 'bad_request', error: 'since must be one of 1h, 24h, 7d, 30d' });
  });
});

describe('isolation and retention', () => {
  test("another project's tenant is 404 on every log route, and its entries never show", async () => {
    const theirs = await tenant(other);
    await recordQueries(gateway.database.prisma, [run(theirs.id, { query: 'SELECT secret FROM theirs' })]);
    for (const path of ['logs', 'logs/stats', 'metrics']) {
      const response = await gateway.rest('GET', `/tenants/${theirs.slug}/${path}`, { headers: as(project.key) });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ success: false, http_status: 404, code: 'not_found', error: `Tenant not found: ${theirs.slug}` });
      const byUuid = await gateway.rest('GET', `/tenants/${theirs.id}/${path}`, { headers: as(project.key) });
      expect(byUuid.status).toBe(404);
    }
    const mine = await tenant();
    const response = await gateway.rest('GET', `/tenants/${mine.slug}/logs?search=secret`, { headers: as(project.key) });
    expect(response.body.logs).toEqual([]);
  });

  test('entries older than QUERY_LOG_RETENTION_DAYS are pruned; a purged tenant takes its log along', async () => {
    const acme = await tenant();
    await recordQueries(gateway.database.prisma, [
      run(acme.id, { query: 'SELECT old', createdAt: new Date(Date.now() - 31 * 86_400_000) }),
      run(acme.id, { query: 'SELECT recent', createdAt: minutesAgo(1) }),
    ]);
    const pruned = await pruneQueryLogs(gateway.database.prisma, 30);
    expect(pruned).toBeGreaterThanOrEqual(1);
    const response = await gateway.rest('GET', `/tenants/${acme.slug}/logs`, { headers: as(project.key) });
    expect(response.body.logs.map((log: { query: string }) => log.query)).toEqual(['SELECT recent']);
    expect((await gateway.rest('DELETE', `/tenants/${acme.slug}?hard=true`, { headers: as(project.key) })).status).toBe(200);
    expect(await gateway.database.prisma.tenantQueryLog.count({ where: { tenantId: acme.id } })).toBe(0);
  });
});
