import { builder } from '../../graphql/builder.js';
import { requireScope } from '../../kernel/principal.js';
import { PlanTier, TenantRef } from '../tenants/tenants.types.js';
import { featureCatalog, type FeatureDefinition } from '../configs/features.catalog.js';
import { readLoadedFeatures, type TenantFeatureState, type TenantFeatureSummary } from './features.service.js';

const FeatureRef = builder.objectRef<FeatureDefinition>('Feature').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    tierRequired: t.expose('tierRequired', { type: PlanTier }),
    mirrors: t.exposeString('mirrors', {
      nullable: true,
      description: 'The configuration field this feature mirrors; the two always agree',
    }),
  }),
});

const TenantFeatureRef = builder.objectRef<TenantFeatureState>('TenantFeature').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    tierRequired: t.expose('tierRequired', { type: PlanTier }),
    enabled: t.exposeBoolean('enabled'),
    available: t.exposeBoolean('available', { description: "The tenant's tier includes this feature" }),
  }),
});

export const TenantFeaturesRef = builder.objectRef<TenantFeatureSummary & { tenantId: string }>('TenantFeatures').implement({
  fields: (t) => ({
    tenantId: t.exposeID('tenantId'),
    features: t.field({ type: [TenantFeatureRef], resolve: (summary) => summary.features }),
    totalEnabled: t.exposeInt('totalEnabled'),
    totalAvailable: t.exposeInt('totalAvailable'),
  }),
});

builder.queryField('featureCatalog', (t) =>
  t.field({
    type: [FeatureRef],
    resolve: (_root, _args, ctx) => {
      requireScope(ctx, 'features:read');
      return featureCatalog;
    },
  }),
);

builder.prismaObjectField(TenantRef, 'features', (t) =>
  t.field({
    type: TenantFeaturesRef,
    select: { tier: true, features: { select: { feature: true, enabled: true } }, config: { select: { document: true } } },
    resolve: (tenant, _args, ctx) => readLoadedFeatures(ctx, tenant),
  }),
);
