import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { tenantBilling } from './billing.service.js';
import { TenantBillingRef } from './billing.types.js';

builder.queryField('tenantBilling', (t) =>
  t.field({
    type: TenantBillingRef,
    description: "The tenant's subscription and its bill for the current month",
    args: tenantArgs(t),
    resolve: (_root, args, ctx) => tenantBilling(ctx, ctx.meter, tenantRefFrom(args)),
  }),
);
