import { builder } from '../../graphql/builder.js';
import { listTenantDomains } from './domains.service.js';
import { TenantDomainRef } from './domains.types.js';

builder.queryField('tenantDomains', (t) =>
  t.field({
    type: [TenantDomainRef],
    description: "The tenant's custom domains, then its default domain",
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_root, args, ctx) => listTenantDomains(ctx, ctx.domains, String(args.tenant)),
  }),
);
