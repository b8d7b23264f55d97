import { z } from 'zod';
import { ControlCoreBillingDocument, type ControlCoreBillingFieldsFragment, ControlCoreUpdateBillingDocument } from '../../../generated/graphql/graphql.js';
import { paymentMethodToken } from '../../../modules/billing/billing-address.js';
import { defineRoute, type Route } from '../../types.js';
import { instant } from './instants.js';
import { tenantContext, tenantScoped } from './tenant-context.js';

// Billing (issue 14). Decisions: README.md, "Operations".

const dollars = (cents: number) => cents / 100;

const paymentMethod = paymentMethodToken.describe("A payment method token (Stripe's pm_…)");
// The service checks the code against the ISO list (its message names the field): documented, not checked twice.
const country = z.string().meta({ pattern: '^[A-Z]{2}$' }).describe('ISO 3166-1 alpha-2, in capitals, like US');

const addressSchema = z.object({
  line1: z.string(),
  line2: z.string().nullable().optional(),
  city: z.string(),
  state: z.string().nullable().optional(),
  postal_code: z.string(),
  country,
});

const billingSchema = z.object({
  subscription_id: z.string(),
  status: z.enum(['active', 'paused', 'canceled']),
  plan: z.enum(['free', 'basic', 'pro', 'enterprise']),
  current_period_start: z.string(),
  current_period_end: z.string(),
  usage: z.object({ policies: z.number().int(), users: z.number().int(), bouncers: z.number().int(), api_calls: z.number().int(), storage_gb: z.number() }),
  billing: z.object({ base_cost: z.number(), usage_cost: z.number(), total_cost: z.number(), currency: z.literal('USD') }),
  payment_method: paymentMethod.nullable(),
  billing_address: addressSchema.nullable(),
});

function billingJson(bill: ControlCoreBillingFieldsFragment) {
  const address = bill.billingAddress;
  return {
    subscription_id: bill.subscriptionId,
    status: bill.status.toLowerCase(),
    plan: bill.plan.toLowerCase(),
    current_period_start: instant(bill.currentPeriodStart),
    current_period_end: instant(bill.currentPeriodEnd),
    usage: {
      policies: bill.usage.policies,
      users: bill.usage.users,
      bouncers: bill.usage.bouncers,
      api_calls: bill.usage.apiCalls,
      storage_gb: bill.usage.storageGb,
    },
    billing: {
      base_cost: dollars(bill.baseCostCents),
      usage_cost: dollars(bill.usageCostCents),
      total_cost: dollars(bill.totalCostCents),
      currency: bill.currency,
    },
    payment_method: bill.paymentMethod ?? null,
    billing_address: address
      ? {
          line1: address.line1,
          line2: address.line2 ?? null,
          city: address.city,
          state: address.state ?? null,
          postal_code: address.postalCode,
          country: address.country,
        }
      : null,
  };
}

const getBilling = defineRoute(ControlCoreBillingDocument, {
  method: 'GET',
  path: '/tenants/{tenant_id}/billing',
  summary: "The tenant's subscription and its bill for the current calendar month (UTC)",
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request) }),
  respond: (data) => ({ status: 200, body: billingJson(data.tenantBilling) }),
  success: { status: 200, description: 'The bill; base_cost + usage_cost = total_cost exactly', schema: billingSchema },
});

const putBilling = defineRoute(ControlCoreUpdateBillingDocument, {
  method: 'PUT',
  path: '/tenants/{tenant_id}/billing',
  summary: 'Set the payment method token and the billing address',
  ...tenantScoped,
  body: z.strictObject({
    payment_method: paymentMethod.optional(),
    billing_address: z
      .strictObject({
        line1: z.string(),
        line2: z.string().optional(),
        city: z.string(),
        state: z.string().optional(),
        postal_code: z.string(),
        country,
      })
      .optional(),
  }),
  variables: (request) => {
    const address = request.body.billing_address;
    return {
      context: tenantContext(request),
      input: {
        paymentMethod: request.body.payment_method,
        billingAddress: address
          ? { line1: address.line1, line2: address.line2, city: address.city, state: address.state, postalCode: address.postal_code, country: address.country }
          : undefined,
      },
    };
  },
  respond: (data) => ({ status: 200, body: billingJson(data.updateTenantBilling) }),
  success: { status: 200, description: 'The billing information now in force', schema: billingSchema },
});

export const billingRoutes: Route[] = [getBilling, putBilling];
