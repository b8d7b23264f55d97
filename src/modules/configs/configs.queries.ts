import { builder } from '../../graphql/builder.js';
import { assertPageSize, maxPageSize } from '../../graphql/pagination.js';
import { configRevisionsWhere, getTenantConfig, getTenantConfigIfChanged } from './configs.service.js';
import { TenantConfigIfChangedRef, TenantConfigRef } from './configs.types.js';

builder.queryField('tenantConfig', (t) =>
  t.prismaField({
    type: TenantConfigRef,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_query, _root, args, ctx) => getTenantConfig(ctx, String(args.tenant)),
  }),
);

builder.queryField('tenantConfigIfChanged', (t) =>
  t.field({
    type: TenantConfigIfChangedRef,
    description: 'A conditional read: the configuration only when its version is not one of knownVersions (a configuration read either way)',
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      knownVersions: t.arg.intList({ required: true, description: 'Versions the caller holds, e.g. from ETags' }),
    },
    resolve: (_root, args, ctx) => getTenantConfigIfChanged(ctx, String(args.tenant), args.knownVersions),
  }),
);

builder.queryField('tenantConfigHistory', (t) =>
  t.prismaConnection({
    description: 'Every accepted configuration change of a tenant, newest first',
    type: 'TenantConfigRevision',
    cursor: 'id',
    maxSize: maxPageSize,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: async (query, _root, args, ctx) => {
      assertPageSize(args);
      return ctx.prisma.tenantConfigRevision.findMany({
        ...query,
        where: await configRevisionsWhere(ctx, String(args.tenant)),
        orderBy: { version: 'desc' },
      });
    },
  }),
);
