import { builder } from '../../graphql/builder.js';
import { assertPageSize, maxPageSize } from '../../graphql/pagination.js';
import { listTenantsWhere, resolveTenant } from '../../kernel/tenant-access.js';
import { extend } from '../../lib/extend.js';
import { PlanTier, TenantRef, TenantState, TenantStatus } from './tenants.types.js';

const TenantFilterInput = builder.inputType('TenantFilterInput', {
  fields: (t) => ({
    status: t.field({ type: TenantStatus, required: false, description: 'Defaults to every status but DELETED' }),
    state: t.field({
      type: TenantState,
      required: false,
      description: 'The lifecycle or the database work in progress (READY, PROVISIONING, …), as Tenant.state says',
    }),
    tier: t.field({ type: PlanTier, required: false }),
    region: t.string({ required: false }),
    search: t.string({ required: false, description: 'Part of the name or the slug, any case (up to 100 characters)' }),
  }),
});

builder.queryField('tenant', (t) =>
  t.prismaField({
    description: 'One tenant by UUID or slug',
    type: TenantRef,
    args: { id: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }) },
    resolve: (query, _root, args, ctx) => resolveTenant(ctx, args.id == null ? null : String(args.id), 'tenants:read', query),
  }),
);

builder.queryField('tenants', (t) =>
  t.prismaConnection(
    {
      description: 'Tenants the caller may see, oldest first',
      type: TenantRef,
      cursor: 'id',
      maxSize: maxPageSize,
      defaultSize: 20,
      args: { filter: t.arg({ type: TenantFilterInput, required: false }) },
      resolve: (query, _root, args, ctx) => {
        assertPageSize(args);
        return ctx.prisma.tenant.findMany(
          extend(query, {
            where: listTenantsWhere(ctx, args.filter ?? {}),
            orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }],
            relationLoadStrategy: 'join' as const,
          }),
        );
      },
      totalCount: (_parent, args, ctx) => ctx.prisma.tenant.count({ where: listTenantsWhere(ctx, args.filter ?? {}) }),
    },
    { description: 'A page of tenants' },
  ),
);
