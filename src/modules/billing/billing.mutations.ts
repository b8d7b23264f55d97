import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { updateTenantBilling } from './billing.service.js';
import { TenantBillingRef, UpdateTenantBillingInput } from './billing.types.js';

builder.mutationField('updateTenantBilling', (t) =>
  t.field({
    type: TenantBillingRef,
    description: 'Set the payment method token and the billing address',
    args: { ...tenantArgs(t), input: t.arg({ type: UpdateTenantBillingInput, required: true }) },
    resolve: (_root, args, ctx) => updateTenantBilling(ctx, ctx.meter, tenantRefFrom(args), args.input),
  }),
);
