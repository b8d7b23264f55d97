import { z } from 'zod';
import type { Tenant } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import { assertLive, tenantStanding } from '../../kernel/tenant-access.js';
import { tenantResourceCounts } from '../tenants/tenant-resource-counts.js';
import { resolveTenantRef, type TenantRef } from '../tenants/tenant-ref.js';
import { callStats, storageBytes } from '../usage/call-stats.js';
import type { UsageMeter } from '../usage/meter.js';
import { parseMonth } from '../usage/periods.js';
import { type BillingAddress, billingAddress, paymentMethodToken } from './billing-address.js';
import { type BilledItem, type CostLine, priceUsage } from './price-table.js';

export type TenantBilling = {
  subscriptionId: string;
  status: 'ACTIVE' | 'PAUSED' | 'CANCELED';
  plan: PlanTier;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  usage: Record<BilledItem, number>;
  baseCostCents: number;
  usageCostCents: number;
  totalCostCents: number;
  currency: 'USD';
  lines: CostLine[];
  paymentMethod: string | null;
  billingAddress: BillingAddress | null;
};

/** The tenant's subscription id: fixed with the tenant (derived from its id), so it exists as long as the tenant does. */
export const subscriptionId = (tenant: Pick<Tenant, 'id'>) => `sub_${tenant.id.replace(/-/g, '').slice(0, 24)}`;

const subscriptionStatus = (tenant: Tenant): TenantBilling['status'] => {
  const standing = tenantStanding(tenant);
  return standing === 'ACTIVE' ? 'ACTIVE' : standing === 'SUSPENDED' ? 'PAUSED' : 'CANCELED';
};

/** Storage in GB (2^30 bytes) to two decimals, as the seed's `storage_gb: 2.5`. */
const gigabytes = (bytes: number) => Math.round((bytes / 2 ** 30) * 100) / 100;

/**
 * The tenant's bill for the current calendar month (UTC): usage counted now (API calls from
 * metering, storage from tracked usage), priced by the one price table in integer cents.
 */
export async function tenantBilling(actor: Actor, meter: UsageMeter, ref: TenantRef): Promise<TenantBilling> {
  return billFor(actor, meter, await resolveTenantRef(actor, ref, 'billing:read'));
}

async function billFor(actor: Actor, meter: UsageMeter, tenant: Tenant): Promise<TenantBilling> {
  const month = parseMonth(null);
  const [counts, stats, storage, profile] = await Promise.all([
    tenantResourceCounts(actor, tenant.id),
    callStats(actor, meter, tenant.id, month.start, month.end),
    storageBytes(actor, tenant.id, month.start, month.end),
    actor.prisma.billingProfile.findUnique({ where: { tenantId: tenant.id } }),
  ]);
  const usage: Record<BilledItem, number> = {
    policies: counts.policies.total,
    users: counts.users.total,
    bouncers: counts.bouncers.total,
    api_calls: stats.reduce((sum, stat) => sum + stat.calls, 0),
    storage_gb: gigabytes(storage),
  };
  const cost = priceUsage(tenant.tier, usage);
  return {
    subscriptionId: subscriptionId(tenant),
    status: subscriptionStatus(tenant),
    plan: tenant.tier,
    currentPeriodStart: month.start,
    currentPeriodEnd: month.end,
    usage,
    baseCostCents: cost.baseCents,
    usageCostCents: cost.usageCents,
    totalCostCents: cost.totalCents,
    currency: 'USD',
    lines: cost.lines,
    paymentMethod: profile?.paymentMethod ?? null,
    billingAddress: (profile?.billingAddress as BillingAddress | null) ?? null,
  };
}

export type UpdateBillingInput = { paymentMethod?: string | null; billingAddress?: BillingAddress | null };

const updateInput = z
  .strictObject({ paymentMethod: paymentMethodToken.nullish(), billingAddress: billingAddress.nullish() })
  .refine((input) => input.paymentMethod != null || input.billingAddress != null, {
    message: 'Send payment_method, billing_address or both',
    path: ['paymentMethod'],
  });

/** Sets how the tenant pays: a payment method token and the billing address, each validated whole; nothing is written on any error. */
export async function updateTenantBilling(actor: Actor, meter: UsageMeter, ref: TenantRef, input: UpdateBillingInput): Promise<TenantBilling> {
  const tenant = await resolveTenantRef(actor, ref, 'billing:write');
  const data = parseInput(updateInput, input);
  assertLive(tenant, 'change the billing of');
  const changes = {
    ...(data.paymentMethod ? { paymentMethod: data.paymentMethod } : {}),
    ...(data.billingAddress ? { billingAddress: data.billingAddress } : {}),
  };
  await actor.prisma.billingProfile.upsert({ where: { tenantId: tenant.id }, create: { tenantId: tenant.id, ...changes }, update: changes });
  return billFor(actor, meter, tenant);
}
