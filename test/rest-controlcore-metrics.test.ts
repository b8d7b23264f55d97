import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
let operator: Record<string, string>;
let acme: { id: string; slug: string };
beforeAll(async () => {
  gateway = await startGateway();
  operator = { authorization: `Bearer ${gateway.adminKey}` };
  acme = await createTenant(gateway, { slug: 'tenant-acme-123', tier: 'PRO' });
});
afterAll(() => gateway.close());

/** January 2025's metered calls, as the meter flushed them: 15,000 over four routes, plus calls just outside the month. */
async function meterJanuary(tenantId: string) {
  const rows: [string, string, number][] = [
    ['2025-01-02T10:00:00Z', 'GET /api/v1/policies', 3_000],
    ['2025-01-20T10:00:00Z', 'POST /api/v1/policies', 2_000],
    ['2025-01-05T08:00:00Z', 'GET /api/v1/resources', 3_000],
    ['2025-01-31T23:00:00Z', 'GET /api/v1/bouncers', 2_000],
    ['2025-01-15T12:00:00Z', 'GET /api/v1/audit', 5_000],
    ['2024-12-31T23:00:00Z', 'GET /api/v1/policies', 7],
    ['2025-02-01T00:00:00Z', 'GET /api/v1/policies', 9],
  ];
  await gateway.database.prisma.apiCallStat.createMany({
    data: rows.map(([hour, endpoint, calls]) => ({ tenantId, hour: new Date(hour), endpoint, calls, failures: 0, latencyMsSum: 0, latencyBuckets: [] })),
  });
}

describe('GET /tenants/{id}/metrics', () => {
  test('the documented answer for January 2025: calls by route template, resource counts, the period', async () => {
    await meterJanuary(acme.id);
    // Eight users (the administrator and seven keys), six active (the administrator and five keys used lately).
    const keys = await Promise.all(Array.from({ length: 7 }, () => createKey(gateway, { scopes: ['TENANTS_READ'], tenant: acme.id })));
    await gateway.database.prisma.apiKey.updateMany({ where: { id: { in: keys.slice(0, 5).map((key) => key.apiKey.id) } }, data: { lastUsedAt: new Date() } });
    const documents = (kind: 'POLICY' | 'BOUNCER', count: number, mode?: 'ACTIVE' | 'SANDBOX') =>
      Array.from({ length: count }, (_, index) => ({ tenantId: acme.id, kind, name: `${kind}-${mode}-${index}`, mode }));
    await gateway.database.prisma.tenantDocument.createMany({
      data: [...documents('POLICY', 20, 'ACTIVE'), ...documents('POLICY', 5, 'SANDBOX'), ...documents('BOUNCER', 3)],
    });
    const answer = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/metrics?start_date=2025-01-01&end_date=2025-01-31&granularity=week', {
      headers: operator,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.metrics).toEqual({
      api_calls: { total: 15_000, by_endpoint: { '/policies': 5_000, '/resources': 3_000, '/bouncers': 2_000, '/audit': 5_000 } },
      policies: { total: 25, active: 20, sandbox: 5 },
      bouncers: { total: 3, active: 3, requests_per_minute: 0 },
      users: { total: 8, active: 6 },
    });
    expect(answer.body.period).toEqual({ start: '2025-01-01T00:00:00Z', end: '2025-01-31T23:59:59Z' });
    expect(answer.body.granularity).toBe('week');
    // Weeks start on Monday (UTC): 2024-12-30, 2025-01-13, 2025-01-20, 2025-01-27.
    expect(answer.body.series).toEqual([
      { start: '2024-12-30T00:00:00Z', api_calls: 6_000 },
      { start: '2025-01-13T00:00:00Z', api_calls: 5_000 },
      { start: '2025-01-20T00:00:00Z', api_calls: 2_000 },
      { start: '2025-01-27T00:00:00Z', api_calls: 2_000 },
    ]);
    const byDateTime = await gateway.rest(
      'GET',
      '/api/v1/tenants/tenant-acme-123/metrics?start_date=2025-01-05T00:00:00Z&end_date=2025-01-15T12:00:00Z&granularity=month',
      { headers: operator },
    );
    expect(byDateTime.body.metrics.api_calls).toEqual({ total: 8_000, by_endpoint: { '/resources': 3_000, '/audit': 5_000 } });
    expect(byDateTime.body.series).toEqual([{ start: '2025-01-01T00:00:00Z', api_calls: 8_000 }]);
  });

  test('without dates: the current calendar month, live metering included, each route by its template', async () => {
    const tenant = await createTenant(gateway);
    for (let call = 0; call < 3; call++) expect((await gateway.rest('GET', `/api/v1/tenants/${tenant.slug}/domains`, { headers: operator })).status).toBe(200);
    const answer = await gateway.rest('GET', `/api/v1/tenants/${tenant.slug}/metrics`, { headers: operator });
    expect(answer.status).toBe(200);
    expect(answer.body.metrics.api_calls.by_endpoint['/tenants/{tenant_id}/domains']).toBe(3);
    const now = new Date();
    expect(answer.body.period.start).toBe(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().replace('.000Z', 'Z'));
    expect(answer.body.granularity).toBe('day');
  });

  test('a bad granularity, a date that is not ISO 8601, an end before the start and a period over 400 days are 400 naming the parameter', async () => {
    const cases: [string, string, string][] = [
      ['granularity=minute', 'granularity', 'granularity must be one of hour, day, week, month'],
      ['start_date=yesterday', 'start_date', 'start_date must be an ISO 8601 date or date-time, like 2025-01-01 or 2025-01-01T00:00:00Z'],
      ['end_date=2025-02-30', 'end_date', 'end_date must be an ISO 8601 date or date-time, like 2025-01-01 or 2025-01-01T00:00:00Z'],
      ['start_date=2025-02-01&end_date=2025-01-01', 'end_date', 'end_date must not be before start_date'],
      ['start_date=2023-01-01&end_date=2025-01-01', 'end_date', 'A metrics period covers at most 400 days'],
    ];
    for (const [query, field, message] of cases) {
      const answer = await gateway.rest('GET', `/api/v1/tenants/tenant-acme-123/metrics?${query}`, { headers: operator });
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toEqual({ error: 'validation_error', message, field, tenant_id: 'tenant-acme-123' });
    }
  });

  test("another tenant's key is 403 tenant_access_denied", async () => {
    const stranger = await createTenant(gateway);
    const { secret } = await createKey(gateway, { scopes: ['USAGE_READ'], tenant: stranger.id });
    const answer = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/metrics', { headers: { authorization: `Bearer ${secret}` } });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error: 'tenant_access_denied', message: 'Access denied for tenant tenant-acme-123', tenant_id: 'tenant-acme-123' });
  });
});
