import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TenantBillingDocument } from '../src/generated/graphql/graphql.js';
import { createKey, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
let operator: Record<string, string>;
beforeAll(async () => {
  // The calls the tests make to set up are not metered: each test writes the month's calls itself.
  gateway = await startGateway({ env: { METERING: 'off' } });
  operator = { authorization: `Bearer ${gateway.adminKey}` };
});
afterAll(() => gateway.close());

const monthStart = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
};
const iso = (at: Date) => at.toISOString().replace('.000Z', 'Z');

/** Metered calls as the meter flushes them, and tracked storage, this month. */
async function useThisMonth(tenantId: string, calls: number, storageBytes: number) {
  const hour = monthStart();
  await gateway.database.prisma.apiCallStat.create({
    data: { tenantId, hour, endpoint: 'GET /api/v1/policies', calls, failures: 0, latencyMsSum: 0, latencyBuckets: [] },
  });
  await gateway.database.prisma.usageRecord.create({ data: { tenantId, resource: 'storage', metric: 'bytes', amount: storageBytes, recordedAt: hour } });
}

/** Policies and bouncers as POST /policies and /bouncers store them. */
async function addDocuments(tenantId: string, counts: { POLICY: number; BOUNCER: number }) {
  await gateway.database.prisma.tenantDocument.createMany({
    data: (['POLICY', 'BOUNCER'] as const).flatMap((kind) =>
      Array.from({ length: counts[kind] }, (_, index) => ({
        tenantId,
        kind,
        name: `${kind.toLowerCase()}-${index}`,
        ...(kind === 'POLICY' ? { mode: 'ACTIVE' as const } : {}),
      })),
    ),
  });
}

describe('GET /tenants/{id}/billing', () => {
  test('the documented answer: pro plan, this calendar month, usage from metering and tracking, $99.00 + $15.50 = $114.50', async () => {
    const tenant = await createTenant(gateway, { slug: 'tenant-acme-123', tier: 'PRO' });
    // Eight users: the administrator and seven working keys.
    for (let index = 0; index < 7; index++) await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id });
    await addDocuments(tenant.id, { POLICY: 25, BOUNCER: 3 });
    // 31,000 calls over the plan's million: 31 started thousands at $0.50.
    await useThisMonth(tenant.id, 1_031_000, 2.5 * 2 ** 30);
    const answer = await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/billing', { headers: operator });
    expect(answer.status).toBe(200);
    const start = monthStart();
    expect(answer.body).toEqual({
      subscription_id: `sub_${tenant.id.replace(/-/g, '').slice(0, 24)}`,
      status: 'active',
      plan: 'pro',
      current_period_start: iso(start),
      current_period_end: iso(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1))),
      usage: { policies: 25, users: 8, bouncers: 3, api_calls: 1_031_000, storage_gb: 2.5 },
      billing: { base_cost: 99, usage_cost: 15.5, total_cost: 114.5, currency: 'USD' },
      payment_method: null,
      billing_address: null,
    });
    // The subscription is the tenant's for good.
    expect((await gateway.rest('GET', '/api/v1/tenants/tenant-acme-123/billing', { headers: operator })).body.subscription_id).toBe(
      answer.body.subscription_id,
    );
  });

  test('every item beyond the plan is priced from the one table in whole cents: base + usage = total exactly', async () => {
    const tenant = await createTenant(gateway, { tier: 'FREE', maxUsers: 10 });
    for (let index = 0; index < 6; index++) await createKey(gateway, { scopes: ['TENANTS_READ'], tenant: tenant.id });
    await useThisMonth(tenant.id, 10_001, 1.01 * 2 ** 30);
    const { tenantBilling } = await gateway.data(TenantBillingDocument, { tenant: tenant.id });
    expect(tenantBilling.lines).toEqual([
      { item: 'policies', quantity: 0, included: 10, billableBlocks: 0, per: 1, unitCents: 10, costCents: 0 },
      { item: 'users', quantity: 7, included: 5, billableBlocks: 2, per: 1, unitCents: 500, costCents: 1000 },
      { item: 'bouncers', quantity: 0, included: 1, billableBlocks: 0, per: 1, unitCents: 2000, costCents: 0 },
      { item: 'api_calls', quantity: 10_001, included: 10_000, billableBlocks: 1, per: 1000, unitCents: 50, costCents: 50 },
      { item: 'storage_gb', quantity: 1.01, included: 1, billableBlocks: 1, per: 1, unitCents: 25, costCents: 25 },
    ]);
    expect(tenantBilling).toMatchObject({ plan: 'FREE', baseCostCents: 0, usageCostCents: 1075, totalCostCents: 1075 });
    const rest = await gateway.rest('GET', `/api/v1/tenants/${tenant.slug}/billing`, { headers: operator });
    expect(rest.body.billing).toEqual({ base_cost: 0, usage_cost: 10.75, total_cost: 10.75, currency: 'USD' });
  });
});

describe('PUT /tenants/{id}/billing', () => {
  const documented = {
    payment_method: 'pm_123',
    billing_address: { line1: '123 Main St', city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' },
  };

  test('the documented request is stored and answered with the billing information', async () => {
    const tenant = await createTenant(gateway, { tier: 'PRO' });
    const answer = await gateway.rest('PUT', `/api/v1/tenants/${tenant.slug}/billing`, { headers: operator, body: documented });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      plan: 'pro',
      payment_method: 'pm_123',
      billing_address: { line1: '123 Main St', line2: null, city: 'San Francisco', state: 'CA', postal_code: '94105', country: 'US' },
    });
    const read = await gateway.rest('GET', `/api/v1/tenants/${tenant.slug}/billing`, { headers: operator });
    expect(read.body.payment_method).toBe('pm_123');
    expect(read.body.billing_address).toEqual(answer.body.billing_address);
    const onlyMethod = await gateway.rest('PUT', `/api/v1/tenants/${tenant.slug}/billing`, { headers: operator, body: { payment_method: 'pm_1Nv0abcDEF' } });
    expect(onlyMethod.body).toMatchObject({ payment_method: 'pm_1Nv0abcDEF', billing_address: answer.body.billing_address });
  });

  test('a bad token, a country that is not ISO 3166-1 alpha-2, a bad postal code, a missing field or nothing at all are 400 naming the field; nothing is written', async () => {
    const tenant = await createTenant(gateway);
    const path = `/api/v1/tenants/${tenant.slug}/billing`;
    const cases: [unknown, string, RegExp][] = [
      [{ ...documented, payment_method: 'card_4242' }, 'payment_method', /^payment_method must be a payment method token/],
      [{ ...documented, billing_address: { ...documented.billing_address, country: 'USA' } }, 'billing_address.country', /ISO 3166-1 alpha-2/],
      [{ ...documented, billing_address: { ...documented.billing_address, country: 'us' } }, 'billing_address.country', /ISO 3166-1 alpha-2/],
      [{ ...documented, billing_address: { ...documented.billing_address, country: 'XX' } }, 'billing_address.country', /ISO 3166-1 alpha-2/],
      [{ ...documented, billing_address: { ...documented.billing_address, postal_code: '#!' } }, 'billing_address.postal_code', /^postal_code is 1 to 15/],
      [{ ...documented, billing_address: { ...documented.billing_address, city: ' ' } }, 'billing_address.city', /^city is required/],
      [{ billing_address: { line1: '1 Main St', city: 'Paris', country: 'FR' } }, 'billing_address.postal_code', /postal_code is required/],
      [{}, 'payment_method', /^Send payment_method, billing_address or both/],
      [{ ...documented, card_number: '4242424242424242' }, 'body', /card_number/],
    ];
    for (const [body, field, message] of cases) {
      const answer = await gateway.rest('PUT', path, { headers: operator, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body, JSON.stringify(body)).toMatchObject({
        error: 'validation_error',
        field,
        tenant_id: tenant.slug,
        message: expect.stringMatching(message),
      });
    }
    expect(await gateway.database.prisma.billingProfile.count({ where: { tenantId: tenant.id } })).toBe(0);
  });

  test("another tenant's key is 403 tenant_access_denied on both billing routes", async () => {
    const target = await createTenant(gateway);
    const stranger = await createTenant(gateway);
    const { secret } = await createKey(gateway, { scopes: ['BILLING_READ', 'BILLING_WRITE'], tenant: stranger.id });
    const headers = { authorization: `Bearer ${secret}` };
    for (const answer of [
      await gateway.rest('GET', `/api/v1/tenants/${target.slug}/billing`, { headers }),
      await gateway.rest('PUT', `/api/v1/tenants/${target.slug}/billing`, { headers, body: documented }),
    ]) {
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ error: 'tenant_access_denied', message: `Access denied for tenant ${target.slug}`, tenant_id: target.slug });
    }
    expect(await gateway.database.prisma.billingProfile.count({ where: { tenantId: target.id } })).toBe(0);
  });
});
