import { builder } from '../../graphql/builder.js';
import { tenantDeployment } from './deployments.service.js';
import { TenantDeploymentRef } from './deployments.types.js';

builder.queryField('tenantDeployment', (t) =>
  t.prismaField({
    type: TenantDeploymentRef,
    description: 'One regional deployment of the tenant',
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx) => tenantDeployment(ctx, String(args.tenant), String(args.id)),
  }),
);
