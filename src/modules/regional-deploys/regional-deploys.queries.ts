import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { tenantDeployment } from './regional-deploys.service.js';
import { TenantDeploymentRef } from './regional-deploys.types.js';

builder.queryField('tenantDeployment', (t) =>
  t.prismaField({
    type: TenantDeploymentRef,
    description: 'One regional deployment of the tenant',
    args: { ...tenantArgs(t), id: t.arg.id({ required: true }) },
    resolve: (_query, _root, args, ctx) => tenantDeployment(ctx, tenantRefFrom(args), String(args.id)),
  }),
);
