import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { deployTenant } from './regional-deploys.service.js';
import { DeployTenantInput, TenantDeploymentRef } from './regional-deploys.types.js';

builder.mutationField('deployTenant', (t) =>
  t.prismaField({
    type: TenantDeploymentRef,
    description: 'Move the tenant to another cloud region; CONFLICT while another deployment runs',
    args: { ...tenantArgs(t), input: t.arg({ type: DeployTenantInput, required: true }) },
    resolve: (_query, _root, args, ctx) => deployTenant(ctx, ctx.deployments, tenantRefFrom(args), args.input),
  }),
);
