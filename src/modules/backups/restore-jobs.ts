import type { Prisma, TenantRestoreJob } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import type { Actor } from '../identity/principal.js';
import { type BackupDeps, loadSnapshot, writeBackup } from './backup-files.js';
import { restoreSnapshot, rollbackAudit, rollbackAuthor } from './restore-snapshot.js';

/** Thrown inside the restore's transaction when another worker took the job over: nothing of this attempt commits. */
class LeaseLost extends Error {}

/** Who asked for the rollback, as the audit events the job writes name them; it grants nothing. */
function requester(prisma: Actor['prisma'], job: TenantRestoreJob): Actor {
  return {
    prisma,
    principal: { id: job.actorId, label: job.actorLabel, owner: 'TENANT', projectId: null, tenantId: job.tenantId, scopes: new Set() },
    origin: { requestId: job.requestId ?? undefined, clientAddress: job.clientAddress ?? undefined },
  };
}

/** The tenant back to the status it had before the rollback, in `tx`; false when the job is no longer this worker's. */
async function endJob(tx: Prisma.TransactionClient, job: TenantRestoreJob, token: string, outcome: { status: 'COMPLETED' } | { status: 'FAILED'; error: string }) {
  const owned = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "TenantRestoreJob" WHERE id = ${job.id}::uuid AND "leaseToken" = ${token}::uuid AND status = 'RUNNING' FOR UPDATE`;
  if (owned.length === 0) return false;
  const tenant = await tx.tenant.findUnique({ where: { id: job.tenantId }, select: { status: true, statusBeforeRestore: true } });
  if (tenant?.status === 'RESTORING') {
    await tx.tenant.update({ where: { id: job.tenantId }, data: { status: tenant.statusBeforeRestore === 'SUSPENDED' ? 'SUSPENDED' : 'ACTIVE', statusBeforeRestore: null } });
  }
  await tx.tenantRestoreJob.update({
    where: { id: job.id },
    data: { ...outcome, completedAt: new Date(), leaseToken: null, leaseUntil: null },
  });
  return true;
}

/**
 * Runs one rollback job under the lease `token`: the backup is verified and opened, the state
 * before is backed up (once: a resumed job keeps the safety backup it already took), then the
 * tenant's records, its databases' rows, its status and the job's end commit in one
 * transaction, which first checks the lease is still this worker's. A failure ends the job
 * FAILED with the gateway's message and the tenant back to its status, nothing restored.
 */
export async function runRestoreJob(prisma: Actor['prisma'], deps: BackupDeps, job: TenantRestoreJob, token: string, renew: () => Promise<boolean>): Promise<void> {
  const actor = requester(prisma, job);
  const tenant = await prisma.tenant.findUnique({ where: { id: job.tenantId } });
  const backup = await prisma.backupRecord.findUnique({ where: { id: job.backupId } });
  try {
    if (!tenant || !backup?.storagePath) throw new DomainError('PRECONDITION_FAILED', 'The backup to restore is gone', { field: 'storagePath' });
    const snapshot = await loadSnapshot(actor, deps, tenant, backup);
    if (!job.safetyBackupId) {
      const safety = await writeBackup(actor, deps, tenant, 'SAFETY');
      const { count } = await prisma.tenantRestoreJob.updateMany({ where: { id: job.id, leaseToken: token }, data: { safetyBackupId: safety.id } });
      if (count === 0) return;
    }
    if (!(await renew())) return;
    await restoreSnapshot(actor, tenant, snapshot, rollbackAuthor(job.actorLabel, backup.storagePath), rollbackAudit(backup.storagePath), async (tx) => {
      if (!(await endJob(tx, job, token, { status: 'COMPLETED' }))) throw new LeaseLost();
    });
  } catch (error) {
    if (error instanceof LeaseLost) return;
    // Tenants read the reason: only the gateway's own messages, never a library's.
    const reason = error instanceof DomainError ? error.message : 'Rollback failed: unexpected error';
    await prisma.$transaction((tx) => endJob(tx, job, token, { status: 'FAILED', error: reason }));
    throw error;
  }
}
