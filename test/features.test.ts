import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  FeatureCatalogDocument,
  SetTenantFeatureDocument,
  TenantConfigDocument,
  TenantFeaturesDocument,
  UpdateTenantConfigDocument,
} from '../src/generated/graphql/graphql.js';
import { codes, createTenant } from './support/fixtures.js';
import { startGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway.close());

async function featuresOf(tenant: string) {
  const { tenantFeatures } = await gateway.data(TenantFeaturesDocument, { tenant });
  return { ...tenantFeatures, byName: new Map(tenantFeatures.features.map((feature) => [feature.name, feature])) };
}

describe('catalog', () => {
  test('holds at least 18 features, including the five the seed shows with its descriptions and tiers', async () => {
    const { featureCatalog } = await gateway.data(FeatureCatalogDocument);
    expect(featureCatalog.length).toBeGreaterThanOrEqual(18);
    expect(new Set(featureCatalog.map((feature) => feature.name)).size).toBe(featureCatalog.length);
    expect(featureCatalog).toEqual(
      expect.arrayContaining([
        { name: 'advanced_analytics', description: 'Advanced analytics and reporting capabilities', tierRequired: 'PRO', mirrors: null },
        { name: 'ml_features', description: 'Machine learning and AI features', tierRequired: 'ENTERPRISE', mirrors: null },
        { name: 'row_level_security', description: 'Row-level security for data isolation', tierRequired: 'BASIC', mirrors: 'security.enable_rls' },
        { name: 'encryption_at_rest', description: 'Data encryption at rest', tierRequired: 'BASIC', mirrors: 'security.encryption_at_rest' },
        { name: 'multi_factor_auth', description: 'Multi-factor authentication requirement', tierRequired: 'PRO', mirrors: 'security.require_mfa' },
      ]),
    );
  });
});

describe('per tenant', () => {
  test('an ENTERPRISE tenant has every feature available; totals count them', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const features = await featuresOf(tenant.id);
    expect(features.tenantId).toBe(tenant.id);
    expect(features.totalAvailable).toBe(features.features.length);
    expect(features.totalEnabled).toBe(features.features.filter((feature) => feature.enabled).length);
    expect(features.byName.get('advanced_analytics')).toMatchObject({ enabled: true, available: true, tierRequired: 'PRO' });
    expect(features.byName.get('ml_features')).toMatchObject({ enabled: false, available: true });
    expect(features.byName.get('row_level_security')).toMatchObject({ enabled: true, available: true });
    expect(features.byName.get('encryption_at_rest')).toMatchObject({ enabled: true, available: true });
    expect(features.byName.get('multi_factor_auth')).toMatchObject({ enabled: false, available: true });
  });

  test('availability follows the tier', async () => {
    const counts: Record<string, number> = {};
    for (const tier of ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'] as const) {
      const tenant = await createTenant(gateway, { tier });
      const features = await featuresOf(tenant.id);
      counts[tier] = features.totalAvailable;
      for (const feature of features.features) {
        const rank = ['FREE', 'BASIC', 'PRO', 'ENTERPRISE'];
        expect(feature.available).toBe(rank.indexOf(tier) >= rank.indexOf(feature.tierRequired));
      }
    }
    expect(counts.FREE).toBeLessThan(counts.BASIC!);
    expect(counts.BASIC).toBeLessThan(counts.PRO!);
    expect(counts.PRO).toBeLessThan(counts.ENTERPRISE!);
  });

  test('enable and disable a feature', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    const before = await featuresOf(tenant.id);
    const { setTenantFeature } = await gateway.data(SetTenantFeatureDocument, { tenant: tenant.id, feature: 'ml_features', enabled: true });
    expect(setTenantFeature.features.find((feature) => feature.name === 'ml_features')?.enabled).toBe(true);
    expect(setTenantFeature.totalEnabled).toBe(before.totalEnabled + 1);
    await gateway.data(SetTenantFeatureDocument, { tenant: tenant.id, feature: 'ml_features', enabled: false });
    expect((await featuresOf(tenant.id)).byName.get('ml_features')?.enabled).toBe(false);
  });

  test('enabling a feature above the tier is FORBIDDEN naming the tier required', async () => {
    const tenant = await createTenant(gateway, { tier: 'BASIC' });
    const result = await gateway.graphql(SetTenantFeatureDocument, { tenant: tenant.id, feature: 'ml_features', enabled: true });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0]!.message).toBe('Feature "ml_features" requires the ENTERPRISE tier or above');
    expect(result.errors![0]!.extensions).toMatchObject({ tierRequired: 'ENTERPRISE', feature: 'ml_features' });
    expect((await featuresOf(tenant.id)).byName.get('ml_features')?.enabled).toBe(false);
  });

  test('an unknown feature is BAD_USER_INPUT', async () => {
    const tenant = await createTenant(gateway);
    const result = await gateway.graphql(SetTenantFeatureDocument, { tenant: tenant.id, feature: 'teleportation', enabled: true });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.extensions?.field).toBe('feature');
  });
});

describe('features that mirror configuration never disagree with it', () => {
  const mirrors = [
    ['encryption_at_rest', 'encryptionAtRest', true],
    ['multi_factor_auth', 'requireMfa', false],
    ['row_level_security', 'enableRls', true],
  ] as const;

  test.each(mirrors)('%s: switching the feature changes security.%s', async (feature, field, initially) => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    await gateway.data(SetTenantFeatureDocument, { tenant: tenant.id, feature, enabled: !initially });
    const { tenantConfig } = await gateway.data(TenantConfigDocument, { tenant: tenant.id });
    expect(tenantConfig.security[field]).toBe(!initially);
    expect(tenantConfig.version).toBe(2);
    expect((await featuresOf(tenant.id)).byName.get(feature)?.enabled).toBe(!initially);
  });

  test.each(mirrors)('%s: changing security.%s switches the feature', async (feature, field, initially) => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { security: { [field]: !initially } } });
    expect((await featuresOf(tenant.id)).byName.get(feature)?.enabled).toBe(!initially);
  });

  test('disabling encryption_at_rest under HIPAA is refused by the configuration rule', async () => {
    const tenant = await createTenant(gateway, { tier: 'ENTERPRISE' });
    await gateway.data(UpdateTenantConfigDocument, { tenant: tenant.id, input: { compliance: { hipaa: true } } });
    const result = await gateway.graphql(SetTenantFeatureDocument, { tenant: tenant.id, feature: 'encryption_at_rest', enabled: false });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toBe('HIPAA compliance requires encryption at rest');
    expect((await featuresOf(tenant.id)).byName.get('encryption_at_rest')?.enabled).toBe(true);
  });

  test('turning on require_mfa through the configuration is gated by the PRO tier like the feature', async () => {
    const tenant = await createTenant(gateway, { tier: 'BASIC' });
    const result = await gateway.graphql(UpdateTenantConfigDocument, { tenant: tenant.id, input: { security: { requireMfa: true } } });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(result.errors![0]!.message).toBe('Feature "multi_factor_auth" (security.require_mfa) requires the PRO tier or above');
    const { tenantConfig } = await gateway.data(TenantConfigDocument, { tenant: tenant.id });
    expect(tenantConfig.security.requireMfa).toBe(false);
  });
});
