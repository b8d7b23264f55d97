import { builder } from '../../graphql/builder.js';
import { resolveTenantContext } from './tenant-context.js';
import { extend } from '../../lib/extend.js';
import { TenantContextInput } from './tenant-context.types.js';
import { TenantRef } from './tenants.types.js';

builder.queryField('tenantInContext', (t) =>
  t.prismaField({
    description: "The tenant a request's tenant context names (credential, path, X-Tenant-ID, ?tenant_id, Host)",
    type: TenantRef,
    args: { context: t.arg({ type: TenantContextInput, required: true }) },
    resolve: async (query, _root, { context }, ctx) => {
      const tenant = await resolveTenantContext(ctx, context, 'tenants:read');
      return ctx.prisma.tenant.findUniqueOrThrow(extend(query, { where: { id: tenant.id } }));
    },
  }),
);
