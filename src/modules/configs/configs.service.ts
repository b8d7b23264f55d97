import type { Prisma, Tenant, TenantConfig } from '../../generated/prisma/client.js';
import { countFieldUse, type FieldLimited } from '../../rate-limit/field-limits.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import { InvalidInputError, NotFoundError } from '../../lib/errors.js';
import type { AllowedBuckets } from './backup-destinations.js';
import { type ConfigPatch, type ConfigUpdateResult, changeTenantConfig, type TenantForConfigChange } from './config-changes.js';
import { readConfigDocument } from './config-document.js';
import { configCategories } from './config-spec.js';
import { revisionsWhere } from './revisions.js';

export type { ConfigPatch, ConfigUpdateResult };

/** A configuration read: counted against the tenant's reads once the caller may see it. */
export async function getTenantConfig(actor: Actor & FieldLimited, ref: string): Promise<TenantConfig> {
  const tenant = await resolveTenant<Tenant & { config: TenantConfig }>(actor, ref, 'config:read', { include: { config: true } });
  await countFieldUse(actor, 'Query.tenantConfig', tenant.id);
  return tenant.config;
}

export type ConfigIfChanged = { tenantId: string; version: number; config: TenantConfig | null };

/**
 * A configuration read that skips the document when the caller already holds the current
 * version: the tenant is resolved with only its configuration's version (one statement), and
 * the document is loaded only when that version is not one of `knownVersions`. Access and the
 * read count are exactly those of getTenantConfig, so a caller who may not see the tenant learns
 * nothing from it, and an unchanged answer is still a read.
 */
export async function getTenantConfigIfChanged(actor: Actor & FieldLimited, ref: string, knownVersions: readonly number[]): Promise<ConfigIfChanged> {
  if (knownVersions.length === 0) {
    const config = await getTenantConfig(actor, ref);
    return { tenantId: config.tenantId, version: config.version, config };
  }
  const tenant = await resolveTenant<Tenant & { config: { version: number } | null }>(actor, ref, 'config:read', {
    include: { config: { select: { version: true } } },
  });
  await countFieldUse(actor, 'Query.tenantConfig', tenant.id);
  const version = tenant.config!.version;
  if (knownVersions.includes(version)) return { tenantId: tenant.id, version, config: null };
  const config = await actor.prisma.tenantConfig.findUniqueOrThrow({ where: { tenantId: tenant.id } });
  return { tenantId: tenant.id, version: config.version, config };
}

/** The configuration loaded with a tenant (Tenant.config): the same scope, and the same count, as tenantConfig. */
export async function readLoadedConfig<C>(actor: Actor & FieldLimited, tenant: { id: string; config: C | null }): Promise<C> {
  requireScope(actor, 'config:read');
  await countFieldUse(actor, 'Query.tenantConfig', tenant.id);
  return tenant.config!;
}

/**
 * A partial update: validated field by field, merged, checked as a whole, then written
 * as the next version together with its revision. `expectedVersion` makes it
 * conditional; without it concurrent writers are applied one after another.
 */
export async function updateTenantConfig(
  actor: Actor & FieldLimited,
  ref: string,
  patch: ConfigPatch,
  expectedVersion: number | null | undefined,
  allowedBuckets: AllowedBuckets,
): Promise<ConfigUpdateResult> {
  // Read with what the write needs (the version it builds on, the webhooks it may queue), so an
  // uncontended change is one more statement.
  const tenant = await resolveTenant<TenantForConfigChange>(actor, ref, 'config:write', {
    include: { config: true, gatewayConfig: { select: { document: true } } },
  });
  await countFieldUse(actor, 'Mutation.updateTenantConfig', tenant.id);
  return changeTenantConfig(actor, tenant, patch, expectedVersion, allowedBuckets);
}

/** Revisions are listed newest first through a connection over this where-clause. */
export async function configRevisionsWhere(actor: Actor, ref: string): Promise<Prisma.TenantConfigRevisionWhereInput> {
  const tenant = await resolveTenant(actor, ref, 'config:read');
  return revisionsWhere(tenant.id, 'config');
}

/**
 * A revision made current again: its whole document written as the next version (a change like
 * any other: validated, audited, its own revision), custom settings it did not have removed.
 * `expectedVersion` makes it conditional, as with updateTenantConfig.
 */
export async function restoreTenantConfigRevision(
  actor: Actor & FieldLimited,
  ref: string,
  version: number,
  expectedVersion: number | null | undefined,
  allowedBuckets: AllowedBuckets,
): Promise<ConfigUpdateResult> {
  if (!Number.isInteger(version) || version < 1)
    throw new InvalidInputError([{ field: 'version', rule: 'min', message: 'version is a revision number from 1' }]);
  const tenant = await resolveTenant<TenantForConfigChange>(actor, ref, 'config:write', {
    include: { config: true, gatewayConfig: { select: { document: true } } },
  });
  const revision = await actor.prisma.tenantConfigRevision.findFirst({ where: { ...revisionsWhere(tenant.id, 'config'), version } });
  if (!revision) throw new NotFoundError(`Tenant ${tenant.slug} has no configuration revision ${version}`, { version });
  await countFieldUse(actor, 'Mutation.updateTenantConfig', tenant.id);
  const wanted = readConfigDocument(revision.document);
  const current = readConfigDocument(tenant.config?.document);
  const patch: ConfigPatch = Object.fromEntries(configCategories.map((category) => [category, { ...wanted[category] }]));
  patch.custom_settings = {
    ...Object.fromEntries(Object.keys(current.custom_settings).map((key) => [key, null])),
    ...wanted.custom_settings,
  };
  return changeTenantConfig(actor, tenant, patch, expectedVersion, allowedBuckets);
}
