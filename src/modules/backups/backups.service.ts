import type { BackupRecord } from '../../generated/prisma/client.js';
import type { Actor } from '../identity/principal.js';
import { assertLive, resolveTenant } from '../tenants/tenant-access.js';
import { type BackupDeps, writeBackup } from './backup-files.js';

/**
 * An on-demand full backup. Counts against the hourly backup-request limit of the tenant's
 * project (the tenant's own outside projects), except for dedicated tenants, whose backups
 * run on their own servers.
 */
export async function backupTenant(actor: Actor, deps: BackupDeps, ref: string): Promise<BackupRecord> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  assertLive(tenant, 'back up');
  if (tenant.isolation !== 'DEDICATED') await deps.requestQuota?.(tenant.projectId ?? tenant.id, tenant.tier);
  return writeBackup(actor, deps, tenant, 'MANUAL');
}

export async function listBackups(actor: Actor, ref: string): Promise<BackupRecord[]> {
  const tenant = await resolveTenant(actor, ref, 'backups:read');
  return actor.prisma.backupRecord.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 500 });
}

