import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { listTenantDomains } from './domains.service.js';
import { TenantDomainRef } from './domains.types.js';

builder.queryField('tenantDomains', (t) =>
  t.field({
    type: [TenantDomainRef],
    description: "The tenant's custom domains, then its default domain",
    args: { ...tenantArgs(t) },
    resolve: (_root, args, ctx) => listTenantDomains(ctx, ctx.domains, tenantRefFrom(args)),
  }),
);
