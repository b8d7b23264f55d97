import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway, testRateLimits, uniqueSlug } from './support/gateway.js';

// Usage metering and the gateway tenant API's usage and info routes (seed 001).

let gateway: TestGateway;
beforeAll(async () => {
  // The tests flush the meter themselves: no timed flush falls inside a window they count.
  gateway = await startGateway({ env: { USAGE_FLUSH_INTERVAL_MS: 300_000 } });
});
afterAll(() => gateway.close());

const asOperator = (tenant: string) => ({ authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant });

async function track(tenant: string, resource: string, metric: string, amount: number) {
  const response = await gateway.rest('POST', '/tenant/limits/resources/track', { headers: asOperator(tenant), body: { resource, metric, amount } });
  expect(response.status).toBe(200);
}

describe('metering', () => {
  test('every GraphQL operation and REST call counts once for its tenant, without a database write per request', async () => {
    const tenant = await createTenant(gateway, { tier: 'PRO' });
    const key = await createKey(gateway, { scopes: ['TENANTS_READ', 'CONFIG_READ', 'USAGE_READ'], tenant: tenant.id });
    await gateway.app.meter.flush();
    const statements = await gateway.countQueries(async () => {
      for (let index = 0; index < 5; index++) await gateway.graphql(`{ tenant(id: "${tenant.id}") { id } }`, {}, key.secret);
      for (let index = 0; index < 3; index++) {
        const response = await gateway.rest('GET', `/api/v1/tenants/${tenant.id}/config`, { headers: { authorization: `Bearer ${key.secret}` } });
        expect(response.status).toBe(200);
      }
    });
    expect(statements.filter((sql) => /ApiCallStat/.test(sql))).toEqual([]);

    // 8 calls by the tenant's key, and the operator's createApiKey naming the tenant
    const summary = await gateway.rest('GET', '/usage/summary', { headers: { authorization: `Bearer ${key.secret}` } });
    expect(summary.body.api_calls).toBe(9);

    const flushes = await gateway.countQueries(() => gateway.app.meter.flush());
    expect(flushes.filter((sql) => /INSERT INTO "ApiCallStat"/.test(sql))).toHaveLength(1);
    const rows = await gateway.database.prisma.apiCallStat.findMany({ where: { tenantId: tenant.id }, orderBy: { endpoint: 'asc' } });
    expect(rows.map((row) => [row.endpoint, row.calls, row.failures])).toEqual([
      ['GET /api/v1/tenants/{id}/config', 3, 0],
      ['GET /usage/summary', 1, 0],
      ['graphql CreateApiKey', 1, 0],
      ['graphql anonymous', 5, 0],
    ]);
    const after = await gateway.rest('GET', '/usage/summary', { headers: { authorization: `Bearer ${key.secret}` } });
    expect(after.body.api_calls).toBe(10);
  });

  test('a buffer just short of the default maxKeys (9,999 rows: 69,993 values as parameters) is written whole, in one statement, its latency histograms intact', async () => {
    const tenant = await createTenant(gateway);
    const rows = 9_999;
    const hour = new Date(Date.UTC(2026, 0, 1));
    // An empty buffer first: distinct endpoints then keep it below its own flush threshold (10,000 keys).
    await gateway.app.meter.flush();
    for (let index = 0; index < rows; index++) {
      gateway.app.meter.record({ tenantId: tenant.id, endpoint: `GET /bulk/${index}`, ok: index % 10 !== 0, latencyMs: index % 2 ? 3 : 700, at: hour });
    }
    const flushes = await gateway.countQueries(() => gateway.app.meter.flush());
    expect(flushes.filter((sql) => /INSERT INTO "ApiCallStat"/.test(sql))).toHaveLength(1);
    const [written] = await gateway.database.prisma.$queryRawUnsafe<{ rows: bigint; calls: bigint; failures: bigint; fast: bigint; slow: bigint }[]>(
      `SELECT count(*) AS rows, sum(calls) AS calls, sum(failures) AS failures, sum("latencyBuckets"[1]) AS fast, sum("latencyBuckets"[8]) AS slow
         FROM "ApiCallStat" WHERE "tenantId" = $1::uuid`,
      tenant.id,
    );
    expect(written).toEqual({ rows: 9_999n, calls: 9_999n, failures: 1_000n, fast: 4_999n, slow: 5_000n });
  });

  test('failed calls count as failures', async () => {
    const tenant = await createTenant(gateway);
    await gateway.rest('PUT', `/api/v1/tenants/${tenant.id}/config`, { headers: asOperator(tenant.id), body: { performance: { cache_size_mb: -1 } } });
    await gateway.app.meter.flush();
    const [row] = await gateway.database.prisma.apiCallStat.findMany({ where: { tenantId: tenant.id } });
    expect(row).toMatchObject({ endpoint: 'PUT /api/v1/tenants/{id}/config', calls: 1, failures: 1 });
  });
});

describe('a request refused at the per-minute quota', () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await startGateway({
      rateLimits: { ...testRateLimits, tierPerMinute: { ...testRateLimits.tierPerMinute, FREE: 4 } },
      env: { USAGE_FLUSH_INTERVAL_MS: 300_000 },
    });
  });
  afterAll(() => limited.close());

  test('is no call, whether the response cache would have answered it or an execution: neither is metered', async () => {
    const tenant = await createTenant(limited, { tier: 'FREE' });
    const key = (await createKey(limited, { scopes: ['TENANTS_READ', 'CONFIG_READ'], tenant: tenant.id })).secret;
    const query = `query Read { tenant(id: "${tenant.id}") { id } }`;
    const ask = (kind: 'graphql' | 'rest', headers: Record<string, string> = {}) =>
      limited.app.fetch(
        kind === 'graphql'
          ? new Request('http://gateway.test/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
              body: JSON.stringify({ query }),
            })
          : new Request(`http://gateway.test/api/v1/tenants/${tenant.id}/config`, { headers: { authorization: `Bearer ${key}`, ...headers } }),
      );
    await limited.app.meter.flush();
    // The quota's 4: each read executed, then answered from the response cache.
    for (const kind of ['graphql', 'rest', 'graphql', 'rest'] as const) expect((await ask(kind)).status).toBe(200);
    // Refused: answered from the cache, and read through it (`no-cache`: the auth guard refuses the execution).
    for (const kind of ['graphql', 'rest'] as const) {
      for (const headers of [{}, { 'cache-control': 'no-cache' }] as Record<string, string>[]) {
        const refused = await ask(kind, headers);
        expect(refused.status).toBe(429);
        const body = await refused.json();
        expect(kind === 'graphql' ? body.errors[0].extensions.code : refused.headers.get('retry-after')).toBeTruthy();
      }
    }
    await limited.app.meter.flush();
    const rows = await limited.database.prisma.apiCallStat.findMany({
      where: { tenantId: tenant.id, endpoint: { not: 'graphql CreateApiKey' } },
      orderBy: { endpoint: 'asc' },
    });
    expect(rows.map((row) => [row.endpoint, row.calls, row.failures])).toEqual([
      ['GET /api/v1/tenants/{id}/config', 2, 0],
      ['graphql Read', 2, 0],
    ]);
  });
});

describe('GET /usage/summary', () => {
  test('the documented example', async () => {
    const slug = uniqueSlug('tenant');
    const tenant = await createTenant(gateway, { slug, tier: 'PRO' });
    await track(slug, 'llm', 'tokens', 250000);
    await track(slug, 'storage', 'bytes', 1073741824);
    await track(slug, 'bandwidth', 'bytes', 5368709120);
    const now = new Date();
    const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const response = await gateway.rest('GET', '/usage/summary', { headers: asOperator(slug) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      tenant_id: slug,
      period,
      api_calls: 3,
      llm_tokens: 250000,
      storage_bytes: 1073741824,
      bandwidth_bytes: 5368709120,
    });
    expect(tenant.slug).toBe(slug);
  });

  test("a malformed period is 400 in the dialect's body", async () => {
    const tenant = await createTenant(gateway);
    const response = await gateway.rest('GET', '/usage/summary?period=2024-13', { headers: asOperator(tenant.id) });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ success: false, error: 'bad_user_input', message: 'period must be a month written YYYY-MM, got "2024-13"' });
  });

  test('an operator key without X-Tenant-ID is told to name the tenant; a tenant key needs no header', async () => {
    const response = await gateway.rest('GET', '/usage/summary', { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('Name the tenant: this API key is not owned by one tenant');
  });

  test('an unknown tenant is 404', async () => {
    const response = await gateway.rest('GET', '/usage/summary', { headers: asOperator('no-such-tenant') });
    expect(response).toMatchObject({ status: 404, body: { success: false, error: 'not_found', message: 'Tenant does not exist' } });
  });
});

describe('GET /usage/history', () => {
  test('the documented example', async () => {
    const tenant = await createTenant(gateway);
    const { prisma } = gateway.database;
    await prisma.usageRecord.createMany({
      data: [
        { tenantId: tenant.id, resource: 'llm', metric: 'tokens', amount: 8000, recordedAt: new Date('2024-01-01T09:00:00Z') },
        { tenantId: tenant.id, resource: 'llm', metric: 'tokens', amount: 9000, recordedAt: new Date('2024-01-02T09:00:00Z') },
        { tenantId: tenant.id, resource: 'llm', metric: 'tokens', amount: 200, recordedAt: new Date('2024-01-02T23:59:00Z') },
        { tenantId: tenant.id, resource: 'llm', metric: 'tokens', amount: 1, recordedAt: new Date('2024-02-01T00:00:00Z') },
      ],
    });
    const stat = (hour: string, calls: number) => ({
      tenantId: tenant.id,
      hour: new Date(hour),
      endpoint: 'graphql x',
      calls,
      failures: 0,
      latencyMsSum: 0,
      latencyBuckets: [],
    });
    await prisma.apiCallStat.createMany({ data: [stat('2024-01-01T09:00:00Z', 300), stat('2024-01-01T10:00:00Z', 200), stat('2024-01-02T00:00:00Z', 520)] });
    const response = await gateway.rest('GET', '/usage/history?period=2024-01', { headers: asOperator(tenant.id) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      history: [
        { date: '2024-01-01', api_calls: 500, llm_tokens: 8000 },
        { date: '2024-01-02', api_calls: 520, llm_tokens: 9200 },
      ],
    });
  });
});

describe('GET /tenant/info', () => {
  test('the documented example', async () => {
    const slug = uniqueSlug('tenant');
    const tenant = await createTenant(gateway, {
      slug,
      name: 'Acme Corp',
      tier: 'PRO',
      maxApiCallsPerMonth: 100000,
      maxLlmTokensPerMonth: 1000000,
      maxStorageMb: 10240,
    });
    const response = await gateway.rest('GET', '/tenant/info', { headers: asOperator(slug) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: slug,
      name: 'Acme Corp',
      plan: 'pro',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      limits: { apiCalls: 100000, llmTokens: 1000000, storage: 10737418240 },
    });
    expect(tenant.id).toBeDefined();
  });

  test('an operator key without X-Tenant-ID is 400: it owns no tenant', async () => {
    const response = await gateway.rest('GET', '/tenant/info', { headers: { authorization: `Bearer ${gateway.adminKey}` } });
    expect(response).toMatchObject({
      status: 400,
      body: { success: false, error: 'bad_user_input', message: 'Name the tenant: this API key is not owned by one tenant' },
    });
  });
});

describe('usage metrics (GraphQL)', () => {
  test('totals, success rate, average and p95 latency, by endpoint and by granularity', async () => {
    const tenant = await createTenant(gateway);
    const buckets = (fast: number, slow: number) => [0, 0, 0, fast, 0, 0, 0, slow, 0, 0, 0, 0];
    await gateway.database.prisma.apiCallStat.createMany({
      data: [
        {
          tenantId: tenant.id,
          hour: new Date('2026-03-02T10:00:00Z'),
          endpoint: 'graphql A',
          calls: 90,
          failures: 0,
          latencyMsSum: 90 * 40,
          latencyBuckets: buckets(90, 0),
        },
        {
          tenantId: tenant.id,
          hour: new Date('2026-03-09T10:00:00Z'),
          endpoint: 'graphql A',
          calls: 5,
          failures: 1,
          latencyMsSum: 5 * 40,
          latencyBuckets: buckets(5, 0),
        },
        {
          tenantId: tenant.id,
          hour: new Date('2026-03-09T11:00:00Z'),
          endpoint: 'GET /x',
          calls: 5,
          failures: 4,
          latencyMsSum: 5 * 900,
          latencyBuckets: buckets(0, 5),
        },
      ],
    });
    const result = await gateway.graphql<
      { usageMetrics: Record<string, unknown> & { byEndpoint: unknown[]; series: { start: string; calls: number }[] } },
      object
    >(
      `{ usageMetrics(tenant: "${tenant.id}", from: "2026-03-01T00:00:00Z", to: "2026-04-01T00:00:00Z", granularity: WEEK) {
          calls failures successRate averageLatencyMs p95LatencyMs
          byEndpoint { endpoint calls failures successRate p95LatencyMs }
          series { start calls }
        } }`,
    );
    const metrics = result.data!.usageMetrics;
    expect(metrics).toMatchObject({ calls: 100, failures: 5, successRate: 0.95, averageLatencyMs: (95 * 40 + 5 * 900) / 100, p95LatencyMs: 50 });
    expect(metrics.byEndpoint).toEqual([
      { endpoint: 'graphql A', calls: 95, failures: 1, successRate: 94 / 95, p95LatencyMs: 50 },
      { endpoint: 'GET /x', calls: 5, failures: 4, successRate: 0.2, p95LatencyMs: 1000 },
    ]);
    expect(metrics.series).toEqual([
      { start: '2026-03-02T00:00:00.000Z', calls: 90 },
      { start: '2026-03-09T00:00:00.000Z', calls: 10 },
    ]);
  });
});
