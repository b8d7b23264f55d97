import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { deployTenant } from './regional-deploys.service.js';
import { DeployTenantInput, TenantDeploymentRef } from './regional-deploys.types.js';

const deployToRegionField = (deprecationReason?: string) =>
  builder.mutationField(deprecationReason ? 'deployTenant' : 'deployTenantToRegion', (t) =>
    t.prismaField({
      type: TenantDeploymentRef,
      description: 'Move the tenant to another cloud region (a Control Core regional deploy); CONFLICT while another one runs',
      ...(deprecationReason ? { deprecationReason } : {}),
      args: { ...tenantArgs(t), input: t.arg({ type: DeployTenantInput, required: true }) },
      resolve: (_query, _root, args, ctx) => deployTenant(ctx, ctx.regionalDeploys, tenantRefFrom(args), args.input),
    }),
  );

deployToRegionField();
deployToRegionField('Use deployTenantToRegion: deploying also names a blueprint version applied to tenants (deployBlueprint)');
