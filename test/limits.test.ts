import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ResourceLimitsDocument, SetResourceLimitsDocument, UpdateTenantDocument } from '../src/generated/graphql/graphql.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

// Resource limits: the gateway tenant API's /tenant/limits/resources routes (seed 001) and their GraphQL twins.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

/** A PRO tenant and a key of its own: the seed's limits examples send only a Bearer token. */
async function tenantWithKey(tier: 'FREE' | 'PRO' = 'PRO') {
  const tenant = await createTenant(gateway, { tier });
  const key = await createKey(gateway, { scopes: ['USAGE_READ', 'USAGE_WRITE', 'LIMITS_READ', 'LIMITS_WRITE'], tenant: tenant.id });
  const headers = { authorization: `Bearer ${key.secret}` };
  return {
    tenant,
    call: (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
      gateway.rest(method, `/tenant/limits/resources${path}`, { headers: { ...headers, ...extra }, body }),
  };
}

const workflowLimit = { resource: 'workflow', metric: 'count', period: 'day', limit: 100, tiers: { free: 10, pro: 100 } };

describe('definitions', () => {
  test('PUT the documented example, then GET it back', async () => {
    const { call } = await tenantWithKey();
    const body = [{ resource: 'llm', metric: 'tokens', period: 'month', limit: 100000, gateAction: 'block' }];
    const put = await call('PUT', '', body);
    expect(put.status).toBe(200);
    expect(put.body).toEqual([{ resource: 'llm', metric: 'tokens', period: 'month', limit: 100000, tiers: {}, gateAction: 'block' }]);
    const get = await call('GET', '');
    expect(get.body).toEqual(put.body);
  });

  test('GET answers the documented shape with per-tier values', async () => {
    const { call } = await tenantWithKey();
    await call('PUT', '', [workflowLimit]);
    const get = await call('GET', '');
    expect(get.status).toBe(200);
    expect(get.body).toEqual([{ ...workflowLimit, gateAction: 'block' }]);
  });

  test('PUT replaces the whole list', async () => {
    const { call } = await tenantWithKey();
    await call('PUT', '', [workflowLimit, { resource: 'llm', metric: 'tokens', period: 'month', limit: 5 }]);
    await call('PUT', '', [{ resource: 'llm', metric: 'tokens', period: 'month', limit: 7 }]);
    expect((await call('GET', '')).body).toEqual([{ resource: 'llm', metric: 'tokens', period: 'month', limit: 7, tiers: {}, gateAction: 'block' }]);
  });

  test.each([
    [
      'a negative limit',
      [{ resource: 'llm', metric: 'tokens', period: 'month', limit: -1 }],
      'limits.0.limit',
      'amount must be between 0 and 9007199254740991',
    ],
    [
      'an unknown tier',
      [{ resource: 'llm', metric: 'tokens', period: 'month', limit: 1, tiers: { gold: 5 } }],
      'limits.0.tiers',
      'tiers keys must be among free, basic, pro, enterprise',
    ],
    ['a duplicate', [workflowLimit, workflowLimit], 'limits.1', 'Duplicate limit for workflow count per day'],
    [
      'a bad resource name',
      [{ resource: 'LLM!', metric: 'tokens', period: 'month', limit: 1 }],
      'limits.0.resource',
      'resource must be 1-32 lowercase letters',
    ],
  ])('%s is 400 naming the field, nothing written', async (_name, body, field, message) => {
    const { call, tenant } = await tenantWithKey();
    await call('PUT', '', [workflowLimit]);
    const response = await call('PUT', '', body);
    expect(response.status).toBe(400);
    expect(response.body.success).toBe(false);
    expect(response.body.message).toContain(message);
    const graphql = await gateway.graphql(`mutation ($limits: [ResourceLimitInput!]!) { setResourceLimits(tenant: "${tenant.id}", limits: $limits) { id } }`, {
      limits: (body as (typeof workflowLimit)[]).map((limit) => ({ ...limit, period: limit.period.toUpperCase() })),
    });
    expect(graphql.errors?.[0]?.extensions?.violations).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field) })]));
    expect((await call('GET', '')).body).toEqual([{ ...workflowLimit, gateAction: 'block' }]);
  });

  test("an unknown period is 400 in the dialect's body", async () => {
    const { call } = await tenantWithKey();
    const response = await call('PUT', '', [{ ...workflowLimit, period: 'fortnight' }]);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, error: 'bad_request' });
    expect(response.body.message).toContain('0.period');
  });
});

describe("effectiveLimit through GraphQL: the value for the tenant's tier", () => {
  const workflow = { resource: 'workflow', metric: 'count', period: 'DAY' as const, limit: 100, tiers: { free: 10, pro: 100 }, gateAction: 'BLOCK' as const };

  test('setResourceLimits answers each limit with its effectiveLimit', async () => {
    const { tenant } = await tenantWithKey('FREE');
    const { setResourceLimits } = await gateway.data(SetResourceLimitsDocument, { tenant: tenant.id, limits: [workflow] });
    expect(setResourceLimits).toEqual([{ ...workflow, effectiveLimit: 10 }]);
  });

  test('resourceLimits answers the same, and follows a change of tier', async () => {
    const { tenant } = await tenantWithKey('FREE');
    await gateway.data(SetResourceLimitsDocument, { tenant: tenant.id, limits: [workflow] });
    expect((await gateway.data(ResourceLimitsDocument, { tenant: tenant.id })).resourceLimits).toEqual([{ ...workflow, effectiveLimit: 10 }]);
    await gateway.data(UpdateTenantDocument, { id: tenant.id, input: { tier: 'PRO' } });
    expect((await gateway.data(ResourceLimitsDocument, { tenant: tenant.id })).resourceLimits).toEqual([{ ...workflow, effectiveLimit: 100 }]);
  });
});

describe('usage, check and track', () => {
  test('the documented usage, check and track examples', async () => {
    const { call } = await tenantWithKey();
    await call('PUT', '', [workflowLimit, { resource: 'llm', metric: 'tokens', period: 'month', limit: 100000, gateAction: 'block' }]);
    for (let index = 0; index < 45; index++) {
      expect((await call('POST', '/track', { userId: 'user-123', resource: 'workflow', metric: 'count', amount: 1 })).status).toBe(200);
    }
    await call('POST', '/track', { userId: 'user-456', resource: 'workflow', metric: 'count', amount: 5 });

    const usage = await call('GET', '/usage?userId=user-123');
    expect(usage.status).toBe(200);
    expect(usage.body).toEqual(
      expect.arrayContaining([{ resource: 'workflow', metric: 'count', period: 'day', current: 45, limit: 100, percentage: 45, scope: 'user' }]),
    );
    const tenantWide = await call('GET', '/usage');
    expect(tenantWide.body).toEqual(expect.arrayContaining([expect.objectContaining({ resource: 'workflow', current: 50, percentage: 50, scope: 'tenant' })]));

    const check = await call('POST', '/check', { userId: 'user-123', resource: 'workflow', metric: 'count', amount: 1 });
    expect(check.status).toBe(200);
    expect(check.body).toEqual({ allowed: true, gateAction: 'block', usage: { current: 45, limit: 100 } });

    const track = await call('POST', '/track', { userId: 'user-123', resource: 'llm', metric: 'tokens', amount: 1500 });
    expect(track.status).toBe(200);
    expect(track.body).toEqual({
      success: true,
      tracked: true,
      duplicate: false,
      allowed: true,
      gateAction: 'block',
      usage: { current: 1500, limit: 100000 },
      alerts: [],
    });
  });

  test('the tier decides the limit: a FREE tenant gets the free value', async () => {
    const { call } = await tenantWithKey('FREE');
    await call('PUT', '', [workflowLimit]);
    const check = await call('POST', '/check', { resource: 'workflow', metric: 'count', amount: 11 });
    expect(check.body).toEqual({ allowed: false, gateAction: 'block', usage: { current: 0, limit: 10 } });
  });

  test('check counts nothing; track past a blocking limit is 429 with Retry-After and counts nothing', async () => {
    const { call } = await tenantWithKey();
    await call('PUT', '', [{ resource: 'llm', metric: 'tokens', period: 'hour', limit: 100 }]);
    await call('POST', '/check', { resource: 'llm', metric: 'tokens', amount: 60 });
    expect((await call('POST', '/track', { resource: 'llm', metric: 'tokens', amount: 60 })).status).toBe(200);
    const refused = await call('POST', '/track', { resource: 'llm', metric: 'tokens', amount: 50 });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      success: false,
      error: 'rate_limited',
      message: 'Limit exceeded: llm tokens is limited to 100 per hour (current 60, requested 50)',
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(refused.headers.get('ratelimit-policy')).toBe('"llm-tokens-hour";q=100;w=3600');
    expect((await call('GET', '/usage')).body[0]).toMatchObject({ current: 60 });
    expect((await call('POST', '/track', { resource: 'llm', metric: 'tokens', amount: 40 })).status).toBe(200);
  });

  test('a WARN limit lets usage through and raises warning then critical alerts, resolved when usage falls back', async () => {
    const { call, tenant } = await tenantWithKey();
    await call('PUT', '', [{ resource: 'llm', metric: 'tokens', period: 'day', limit: 100, gateAction: 'warn' }]);
    expect((await call('POST', '/track', { resource: 'llm', metric: 'tokens', amount: 50 })).body.alerts).toEqual([]);
    expect((await call('POST', '/track', { resource: 'llm', metric: 'tokens', amount: 30 })).body.alerts).toEqual([{ level: 'warning', percentage: 80 }]);
    const over = await call('POST', '/track', { resource: 'llm', metric: 'tokens', amount: 40 });
    expect(over.status).toBe(200);
    expect(over.body).toMatchObject({
      allowed: true,
      gateAction: 'warn',
      usage: { current: 120, limit: 100 },
      alerts: [{ level: 'critical', percentage: 120 }],
    });

    const alerts = `query ($status: AlertStatus) { usageAlerts(tenant: "${tenant.id}", status: $status) { level status percentage } }`;
    const active = await gateway.graphql<{ usageAlerts: unknown[] }, object>(alerts, { status: 'ACTIVE' });
    expect(active.data!.usageAlerts).toEqual([{ level: 'CRITICAL', status: 'ACTIVE', percentage: 120 }]);

    // The day rolls over: yesterday's usage no longer counts.
    await gateway.database.prisma.usageRecord.updateMany({ where: { tenantId: tenant.id }, data: { recordedAt: new Date(Date.now() - 2 * 86_400_000) } });
    const after = await gateway.graphql<{ usageAlerts: { level: string; status: string }[] }, object>(alerts, {});
    expect(after.data!.usageAlerts.map((alert) => `${alert.level} ${alert.status}`).sort()).toEqual(['CRITICAL RESOLVED', 'WARNING RESOLVED']);
  });

  test('a retried track with the same idempotency key counts once', async () => {
    const { call, tenant } = await tenantWithKey();
    const body = { resource: 'storage', metric: 'bytes', amount: 1024 };
    const first = await call('POST', '/track', body, { 'idempotency-key': 'upload-42' });
    const again = await call('POST', '/track', body, { 'idempotency-key': 'upload-42' });
    expect(first.body).toMatchObject({ tracked: true, duplicate: false });
    expect(again.body).toMatchObject({ tracked: false, duplicate: true });
    const summary = await gateway.rest('GET', '/usage/summary', { headers: { authorization: `Bearer ${gateway.adminKey}`, 'x-tenant-id': tenant.id } });
    expect(summary.body.storage_bytes).toBe(1024);
  });

  test('concurrent tracks never overshoot a blocking limit together', async () => {
    const { call } = await tenantWithKey();
    await call('PUT', '', [{ resource: 'workflow', metric: 'count', period: 'day', limit: 100 }]);
    const results = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/track', { resource: 'workflow', metric: 'count', amount: 10 })));
    expect(results.filter((result) => result.status === 200)).toHaveLength(10);
    expect(results.filter((result) => result.status === 429)).toHaveLength(10);
    expect((await call('GET', '/usage')).body[0]).toMatchObject({ current: 100, percentage: 100 });
  });

  test.each([
    ['a negative amount', { resource: 'llm', metric: 'tokens', amount: -5 }, 'amount must be between 0 and 9007199254740991'],
    ['a fractional amount', { resource: 'llm', metric: 'tokens', amount: 1.5 }, 'amount must be a whole number'],
    ['a missing metric', { resource: 'llm', amount: 5 }, 'metric'],
  ])('%s is 400, nothing counted', async (_name, body, message) => {
    const { call } = await tenantWithKey();
    const response = await call('POST', '/track', body);
    expect(response.status).toBe(400);
    expect(response.body.message).toContain(message);
    const records = await gateway.database.prisma.usageRecord.count({ where: { resource: 'llm', amount: { lt: 0 } } });
    expect(records).toBe(0);
  });
});
