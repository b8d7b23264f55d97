import type { BackupJob, BackupRecord } from '../../generated/prisma/client.js';
import { InvalidInputError } from '../../lib/errors.js';
import type { Actor } from '../../kernel/principal.js';
import { assertLive, resolveTenant } from '../../kernel/tenant-access.js';
import { type BackupDeps, startBackup, writeBackup } from './backup-files.js';
import { holdsData, recordJob } from './job-requests.js';

/**
 * An on-demand full backup. Counts against the hourly backup-request limit of the tenant's
 * project (the tenant's own outside projects), except for dedicated tenants, whose backups
 * run on their own servers. A tenant whose databases hold rows is backed up by a job: the
 * answer is the PENDING record, with the path its file will have; while one waits, asking again
 * answers the same record (a tenant cannot queue backups ahead of others' restores).
 */
export async function backupTenant(actor: Actor, deps: BackupDeps, ref: string): Promise<BackupRecord> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  assertLive(tenant, 'back up');
  if (tenant.isolation !== 'DEDICATED') await deps.requestQuota?.(tenant.projectId ?? tenant.id, tenant.tier);
  if (deps.jobs && (await holdsData(actor, tenant))) {
    const record = await actor.prisma.$transaction(async (tx) => {
      // One backup job of a tenant waits at a time: asking again while it waits answers it.
      await tx.$queryRaw`SELECT id FROM "Tenant" WHERE id = ${tenant.id}::uuid FOR UPDATE`;
      const waiting = await tx.backupJob.findFirst({ where: { tenantId: tenant.id, kind: 'BACKUP', status: 'PENDING' }, include: { backup: true } });
      if (waiting) return waiting.backup;
      const pending = await startBackup(tx, deps, tenant, 'MANUAL', 'PENDING');
      await recordJob(tx, actor, tenant, 'BACKUP', { backupId: pending.id });
      return pending;
    });
    deps.jobs.kick();
    return record;
  }
  return writeBackup(actor, deps, tenant, 'MANUAL');
}

export async function listBackups(actor: Actor, ref: string): Promise<BackupRecord[]> {
  const tenant = await resolveTenant(actor, ref, 'backups:read');
  return actor.prisma.backupRecord.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 500 });
}

export async function listBackupJobs(actor: Actor, ref: string, limit: number): Promise<BackupJob[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InvalidInputError([{ field: 'limit', rule: 'range', message: 'limit must be 1 to 500' }]);
  const tenant = await resolveTenant(actor, ref, 'backups:read');
  return actor.prisma.backupJob.findMany({ where: { tenantId: tenant.id }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
}
