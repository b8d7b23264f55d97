import { builder } from '../../graphql/builder.js';
import { deployTenant } from './deployments.service.js';
import { DeployTenantInput, TenantDeploymentRef } from './deployments.types.js';

builder.mutationField('deployTenant', (t) =>
  t.prismaField({
    type: TenantDeploymentRef,
    description: 'Move the tenant to another cloud region; CONFLICT while another deployment runs',
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), input: t.arg({ type: DeployTenantInput, required: true }) },
    resolve: (_query, _root, args, ctx) => deployTenant(ctx, ctx.deployments, String(args.tenant), args.input),
  }),
);
