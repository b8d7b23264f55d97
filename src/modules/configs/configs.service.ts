import type { Prisma, Tenant, TenantConfig } from '../../generated/prisma/client.js';
import type { Actor } from '../identity/principal.js';
import { resolveTenant } from '../tenants/tenant-access.js';
import { type ConfigPatch, type ConfigUpdateResult, changeTenantConfig } from './config-changes.js';

export type { ConfigPatch, ConfigUpdateResult };

export async function getTenantConfig(actor: Actor, ref: string): Promise<TenantConfig> {
  const tenant = await resolveTenant<Tenant & { config: TenantConfig }>(actor, ref, 'config:read', { include: { config: true } });
  return tenant.config;
}

/**
 * A partial update: validated field by field, merged, checked as a whole, then written
 * as the next version together with its revision. `expectedVersion` makes it
 * conditional; without it concurrent writers are applied one after another.
 */
export async function updateTenantConfig(
  actor: Actor,
  ref: string,
  patch: ConfigPatch,
  expectedVersion?: number | null,
): Promise<ConfigUpdateResult> {
  const tenant = await resolveTenant(actor, ref, 'config:write');
  return changeTenantConfig(actor, tenant, patch, expectedVersion);
}

/** Revisions are listed newest first through a connection over this where-clause. */
export async function configRevisionsWhere(actor: Actor, ref: string): Promise<Prisma.TenantConfigRevisionWhereInput> {
  const tenant = await resolveTenant(actor, ref, 'config:read');
  return { tenantId: tenant.id };
}
