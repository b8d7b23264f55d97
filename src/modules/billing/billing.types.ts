import { builder } from '../../graphql/builder.js';
import { PlanTier } from '../tenants/tenants.types.js';
import type { BillingAddress } from './billing-address.js';
import type { TenantBilling } from './billing.service.js';
import type { CostLine } from './price-table.js';

const SubscriptionStatus = builder.enumType('SubscriptionStatus', {
  values: { ACTIVE: {}, PAUSED: { description: 'The tenant is suspended' }, CANCELED: { description: 'The tenant is deleted or expired' } } as const,
});

const BillingUsageRef = builder.objectRef<TenantBilling['usage']>('BillingUsage').implement({
  fields: (t) => ({
    policies: t.exposeInt('policies'),
    users: t.exposeInt('users', { description: "The tenant's working API keys" }),
    bouncers: t.exposeInt('bouncers'),
    apiCalls: t.int({ description: 'Metered API calls this month', resolve: (usage) => usage.api_calls }),
    storageGb: t.float({ description: 'Tracked storage this month, GB (2^30 bytes)', resolve: (usage) => usage.storage_gb }),
  }),
});

const BillingLineRef = builder.objectRef<CostLine>('BillingLine').implement({
  description: 'One item of the bill: usage beyond the plan, in started blocks of `per` units at `unitCents` each',
  fields: (t) => ({
    item: t.exposeString('item'),
    quantity: t.exposeFloat('quantity'),
    included: t.exposeFloat('included'),
    billableBlocks: t.exposeInt('billableBlocks'),
    per: t.exposeInt('per'),
    unitCents: t.exposeInt('unitCents'),
    costCents: t.exposeInt('costCents'),
  }),
});

const BillingAddressRef = builder.objectRef<BillingAddress>('BillingAddress').implement({
  fields: (t) => ({
    line1: t.exposeString('line1'),
    line2: t.exposeString('line2', { nullable: true }),
    city: t.exposeString('city'),
    state: t.exposeString('state', { nullable: true }),
    postalCode: t.exposeString('postalCode'),
    country: t.exposeString('country', { description: 'ISO 3166-1 alpha-2' }),
  }),
});

export const TenantBillingRef = builder.objectRef<TenantBilling>('TenantBilling').implement({
  description: "The tenant's subscription and its bill for the current calendar month (UTC), in integer cents: base + usage = total",
  fields: (t) => ({
    subscriptionId: t.exposeString('subscriptionId'),
    status: t.expose('status', { type: SubscriptionStatus }),
    plan: t.expose('plan', { type: PlanTier }),
    currentPeriodStart: t.expose('currentPeriodStart', { type: 'DateTime' }),
    currentPeriodEnd: t.expose('currentPeriodEnd', { type: 'DateTime', description: 'Exclusive: the first instant of the next month' }),
    usage: t.expose('usage', { type: BillingUsageRef }),
    baseCostCents: t.exposeInt('baseCostCents'),
    usageCostCents: t.exposeInt('usageCostCents'),
    totalCostCents: t.exposeInt('totalCostCents'),
    currency: t.exposeString('currency'),
    lines: t.expose('lines', { type: [BillingLineRef] }),
    paymentMethod: t.exposeString('paymentMethod', { nullable: true }),
    billingAddress: t.expose('billingAddress', { type: BillingAddressRef, nullable: true }),
  }),
});

const BillingAddressInput = builder.inputType('BillingAddressInput', {
  fields: (t) => ({
    line1: t.string({ required: true }),
    line2: t.string({ required: false }),
    city: t.string({ required: true }),
    state: t.string({ required: false }),
    postalCode: t.string({ required: true }),
    country: t.string({ required: true, description: 'ISO 3166-1 alpha-2, like US' }),
  }),
});

export const UpdateTenantBillingInput = builder.inputType('UpdateTenantBillingInput', {
  fields: (t) => ({
    paymentMethod: t.string({ required: false, description: 'A payment method token, pm_…' }),
    billingAddress: t.field({ type: BillingAddressInput, required: false }),
  }),
});
