import { builder } from '../../graphql/builder.js';
import { getTenantFeatures } from './features.service.js';
import { TenantFeaturesRef } from './features.types.js';

builder.queryField('tenantFeatures', (t) =>
  t.field({
    type: TenantFeaturesRef,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_root, args, ctx) => getTenantFeatures(ctx, String(args.tenant)),
  }),
);
