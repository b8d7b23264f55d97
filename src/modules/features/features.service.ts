import type { Tenant } from '../../generated/prisma/client.js';
import type { PlanTier } from '../../generated/prisma/enums.js';
import { ForbiddenError, InvalidInputError } from '../../lib/errors.js';
import { auditedChange, recordAudit } from '../../kernel/audit-trail.js';
import { changeTenantConfig } from '../configs/config-changes.js';
import { readConfigDocument } from '../configs/config-document.js';
import { extend } from '../../lib/extend.js';
import { countFieldUse, type FieldLimited } from '../../rate-limit/field-limits.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { assertNotRestoring, resolveTenant } from '../../kernel/tenant-access.js';
import { type FeatureDefinition, featureCatalog, featuresByName, tierMeets } from '../configs/features.catalog.js';

export type TenantFeatureState = FeatureDefinition & { enabled: boolean; available: boolean };

export type TenantFeatureSummary = {
  features: TenantFeatureState[];
  totalEnabled: number;
  totalAvailable: number;
};

/**
 * A tenant's features from what is already loaded: its tier, its stored switches and its
 * configuration. Mirrored features read the configuration, so the two can never disagree.
 */
export function tenantFeatures(tier: PlanTier, switches: readonly { feature: string; enabled: boolean }[], storedConfig: unknown): TenantFeatureSummary {
  const config = readConfigDocument(storedConfig);
  const stored = new Map(switches.map((row) => [row.feature, row.enabled]));
  const features = featureCatalog.map((feature) => {
    const available = tierMeets(tier, feature.tierRequired);
    let enabled: boolean;
    if (feature.mirrors) {
      const [category, key] = feature.mirrors.split('.') as ['security', keyof typeof config.security];
      enabled = config[category][key] === true;
    } else {
      enabled = stored.get(feature.name) ?? (feature.enabledByDefault && available);
    }
    return extend(feature, { enabled, available });
  });
  return {
    features,
    totalEnabled: features.filter((feature) => feature.enabled).length,
    totalAvailable: features.filter((feature) => feature.available).length,
  };
}

/** Returns the tenant's id. */
export async function setTenantFeature(actor: Actor, ref: string, name: string, enabled: boolean): Promise<string> {
  const tenant = await resolveTenant(actor, ref, 'features:write');
  assertNotRestoring(tenant, 'change the features of');
  const feature = featuresByName.get(name);
  if (!feature) {
    throw new InvalidInputError([{ field: 'feature', rule: 'catalog', message: `Unknown feature "${name}"` }]);
  }
  if (enabled && !tierMeets(tenant.tier, feature.tierRequired)) {
    throw new ForbiddenError(`Feature "${name}" requires the ${feature.tierRequired} tier or above`, {
      feature: name,
      tierRequired: feature.tierRequired,
    });
  }
  if (feature.mirrors) {
    const [category, key] = feature.mirrors.split('.') as ['security', string];
    await changeTenantConfig(actor, tenant, { [category]: { [key]: enabled } });
    return tenant.id;
  }
  await auditedChange(actor.prisma, async (tx) => {
    const before = await tx.tenantFeature.findUnique({ where: { tenantId_feature: { tenantId: tenant.id, feature: name } }, select: { enabled: true } });
    await tx.tenantFeature.upsert({
      where: { tenantId_feature: { tenantId: tenant.id, feature: name } },
      create: { tenantId: tenant.id, feature: name, enabled },
      update: { enabled },
    });
    // Before: what the tenant had, stored or by default.
    const was = before?.enabled ?? (feature.enabledByDefault && tierMeets(tenant.tier, feature.tierRequired));
    if (was !== enabled) {
      await recordAudit(tx, actor, {
        tenantId: tenant.id,
        action: 'feature.updated',
        target: `feature:${name}`,
        changes: [{ path: `features.${name}`, before: was, after: enabled }],
      });
    }
  });
  return tenant.id;
}

const featureInputs = { features: { select: { feature: true, enabled: true } }, config: { select: { document: true } } } as const;
type WithFeatureInputs = Tenant & { features: { feature: string; enabled: boolean }[]; config: { document: unknown } | null };

/** A feature query: read in one statement under the caller's features:read scope, counted once the caller may see the tenant. */
export async function getTenantFeatures(actor: Actor & FieldLimited, ref: string): Promise<TenantFeatureSummary & { tenantId: string }> {
  const tenant = await resolveTenant<WithFeatureInputs>(actor, ref, 'features:read', { include: featureInputs });
  await countFieldUse(actor, 'Query.tenantFeatures', tenant.id);
  return { tenantId: tenant.id, ...tenantFeatures(tenant.tier, tenant.features, tenant.config?.document) };
}

/** The features of a tenant loaded with them (Tenant.features): the same scope, and the same count, as tenantFeatures. */
export async function readLoadedFeatures(
  actor: Actor & FieldLimited,
  tenant: Pick<Tenant, 'id' | 'tier'> & Pick<WithFeatureInputs, 'features' | 'config'>,
): Promise<TenantFeatureSummary & { tenantId: string }> {
  requireScope(actor, 'features:read');
  await countFieldUse(actor, 'Query.tenantFeatures', tenant.id);
  return { tenantId: tenant.id, ...tenantFeatures(tenant.tier, tenant.features, tenant.config?.document) };
}

/** For a tenant already resolved under the caller's scope. */
export async function loadTenantFeatures(actor: Actor, tenantId: string): Promise<TenantFeatureSummary & { tenantId: string }> {
  const tenant = (await actor.prisma.tenant.findUniqueOrThrow({
    where: { id: tenantId },
    include: featureInputs,
    relationLoadStrategy: 'join',
  })) as WithFeatureInputs;
  return { tenantId, ...tenantFeatures(tenant.tier, tenant.features, tenant.config?.document) };
}
