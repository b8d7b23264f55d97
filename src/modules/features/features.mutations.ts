import { builder } from '../../graphql/builder.js';
import { loadTenantFeatures, setTenantFeature } from './features.service.js';
import { TenantFeaturesRef } from './features.types.js';

builder.mutationField('setTenantFeature', (t) =>
  t.field({
    description: 'Enable or disable a feature. Enabling needs the tier the feature requires; mirrored features change the configuration too.',
    type: TenantFeaturesRef,
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      feature: t.arg.string({ required: true }),
      enabled: t.arg.boolean({ required: true }),
    },
    resolve: async (_root, args, ctx) => loadTenantFeatures(ctx, await setTenantFeature(ctx, String(args.tenant), args.feature, args.enabled)),
  }),
);
