import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { tenantDeployment } from './regional-deploys.service.js';
import { TenantDeploymentRef } from './regional-deploys.types.js';

const regionalDeployField = (deprecationReason?: string) =>
  builder.queryField(deprecationReason ? 'tenantDeployment' : 'regionalDeploy', (t) =>
    t.prismaField({
      type: TenantDeploymentRef,
      description: 'One regional deploy of the tenant (Control Core); a TenantsDB deployment is a schema rollout (tenantSchemaRollouts)',
      ...(deprecationReason ? { deprecationReason } : {}),
      args: { ...tenantArgs(t), id: t.arg.id({ required: true }) },
      resolve: (_query, _root, args, ctx) => tenantDeployment(ctx, tenantRefFrom(args), String(args.id)),
    }),
  );

regionalDeployField();
regionalDeployField('Use regionalDeploy: "deployment" also names TenantsDB schema rollouts');
