import { builder } from '../../graphql/builder.js';
import { resolveTenantContext } from '../tenants/tenant-context.js';
import { TenantContextInput } from '../tenants/tenant-context.types.js';
import { UpdateTenantInput } from './tenant-lifecycle.mutations.js';
import { transitionTenant, updateTenant } from './tenant-lifecycle.service.js';
import { TenantRef } from '../tenants/tenants.types.js';

builder.mutationField('updateTenantInContext', (t) =>
  t.prismaField({
    description: 'updateTenant for the tenant the tenant context names',
    type: TenantRef,
    args: { context: t.arg({ type: TenantContextInput, required: true }), input: t.arg({ type: UpdateTenantInput, required: true }) },
    resolve: async (query, _root, { context, input }, ctx) => updateTenant(ctx, (await resolveTenantContext(ctx, context, 'tenants:write')).id, input, query),
  }),
);

builder.mutationField('deleteTenantInContext', (t) =>
  t.prismaField({
    description: 'Soft delete (deleteTenant) of the tenant the tenant context names',
    type: TenantRef,
    args: { context: t.arg({ type: TenantContextInput, required: true }) },
    resolve: async (query, _root, { context }, ctx) =>
      transitionTenant(ctx, (await resolveTenantContext(ctx, context, 'tenants:write')).id, 'delete', query, ctx.dataPlane),
  }),
);
