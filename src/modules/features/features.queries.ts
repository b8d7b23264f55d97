import { builder } from '../../graphql/builder.js';
import { resolveTenant } from '../tenants/tenants.service.js';
import { loadTenantFeatures } from './features.service.js';
import { TenantFeaturesRef } from './features.types.js';

builder.queryField('tenantFeatures', (t) =>
  t.field({
    type: TenantFeaturesRef,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: async (_root, args, ctx) => loadTenantFeatures(ctx, (await resolveTenant(ctx, String(args.tenant), 'features:read')).id),
  }),
);
