import { builder } from '../../graphql/builder.js';
import { assertPageSize, maxPageSize } from '../../graphql/pagination.js';
import { configRevisionsWhere, getTenantConfig } from './configs.service.js';
import { TenantConfigRef } from './configs.types.js';

builder.queryField('tenantConfig', (t) =>
  t.prismaField({
    type: TenantConfigRef,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_query, _root, args, ctx) => getTenantConfig(ctx, String(args.tenant)),
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
