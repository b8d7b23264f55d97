import type { BackupJob, Prisma, Tenant } from '../../generated/prisma/client.js';
import type { JobLease } from '../../jobs/queue.js';
import { DomainError } from '../../lib/errors.js';
import type { Actor } from '../../kernel/principal.js';
import { afterRestore } from '../tenants/interrupted-work.js';
import { type BackupDeps, fillBackup, LeaseLost, loadSnapshot, writeBackup } from './backup-files.js';
import {
  recoveryAudit,
  recoveryAuthor,
  recoveryHost,
  recoverySnapshot,
  recoveryUndoAudit,
  recoveryUndoAuthor,
  recoveryUndoWindowMs,
} from './recovery-snapshot.js';
import { RestoreNotOwned, restoreSnapshot, rollbackAudit, rollbackAuthor } from './restore-snapshot.js';

/** Who asked for the job, as the audit events it writes name them; it grants nothing. */
function requester(prisma: Actor['prisma'], job: BackupJob, credentialsChanged?: () => void): Actor {
  return {
    prisma,
    principal: { id: job.actorId, label: job.actorLabel, owner: 'TENANT', projectId: null, tenantId: job.tenantId, scopes: new Set() },
    origin: { requestId: job.requestId ?? undefined, clientAddress: job.clientAddress ?? undefined },
    credentialsChanged,
  };
}

type Outcome = { status: 'COMPLETED' } | { status: 'FAILED'; error: string };

/**
 * Ends the job in `tx` (its queue row and its record), and for a restore returns the tenant to
 * the status it had before; false when the job is no longer this worker's (its lease passed to
 * another, or the record was ended already).
 */
async function endJob(tx: Prisma.TransactionClient, job: BackupJob, lease: JobLease, outcome: Outcome): Promise<boolean> {
  const unfinished = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "BackupJob" WHERE id = ${job.id}::uuid AND status = 'RUNNING' FOR UPDATE`;
  if (!(await lease.end(tx)) || unfinished.length === 0) return false;
  if (job.kind !== 'BACKUP') {
    const tenant = await tx.tenant.findUnique({ where: { id: job.tenantId }, select: { status: true, statusBeforeRestore: true } });
    if (tenant?.status === 'RESTORING' || tenant?.status === 'RECOVERING') {
      await tx.tenant.update({ where: { id: job.tenantId }, data: afterRestore(tenant.statusBeforeRestore) });
    }
  }
  await tx.backupJob.update({ where: { id: job.id }, data: { ...outcome, completedAt: new Date() } });
  return true;
}

/** The state before a restore, backed up once: a resumed job keeps the safety backup it already took. False when the lease was lost. */
async function safetyBackupOnce(actor: Actor, deps: BackupDeps, tenant: Tenant, job: BackupJob, lease: JobLease): Promise<string | false> {
  if (job.safetyBackupId) {
    const taken = await actor.prisma.backupRecord.findUniqueOrThrow({ where: { id: job.safetyBackupId } });
    return taken.storagePath!;
  }
  const safety = await writeBackup(actor, deps, tenant, 'SAFETY');
  const recorded = await actor.prisma.$transaction(async (tx) => {
    if (!(await lease.check(tx))) return false;
    await tx.backupJob.update({ where: { id: job.id }, data: { safetyBackupId: safety.id } });
    return true;
  });
  return recorded ? safety.storagePath! : false;
}

/**
 * Runs one job under `lease` (its queue job's claim). A backup writes its file, then marks the record
 * COMPLETED with the job's end in one transaction. A restore (rollback, recovery, recovery
 * undo) opens and verifies what it restores, backs up the state before (rollback and
 * recovery), then replaces the tenant's records and its databases' rows, returns its status
 * and ends the job in one transaction, which first checks the lease is still this worker's:
 * a process killed at any moment leaves the tenant wholly before (the job runs again) or
 * after. A failure ends the job FAILED with the gateway's message and the tenant back to its
 * status, nothing restored. The lease is renewed between steps (and by the queue's heartbeat
 * while the job runs).
 */
export async function runBackupJob(prisma: Actor['prisma'], deps: BackupDeps, job: BackupJob, lease: JobLease, credentialsChanged?: () => void): Promise<void> {
  const actor = requester(prisma, job, credentialsChanged);
  const end = async (tx: Prisma.TransactionClient) => {
    if (!(await endJob(tx, job, lease, { status: 'COMPLETED' }))) throw new LeaseLost();
  };
  const renew = () => lease.renew();
  const stillOwned = async () => (await lease.holds()) && (await prisma.backupJob.count({ where: { id: job.id, status: 'RUNNING' } })) === 1;
  try {
    const tenant = await prisma.tenant.findUnique({ where: { id: job.tenantId } });
    const backup = await prisma.backupRecord.findUnique({ where: { id: job.backupId } });
    if (!tenant || !backup?.storagePath) throw new DomainError('PRECONDITION_FAILED', 'The backup is gone', { field: 'storagePath' });
    if (job.kind === 'BACKUP') {
      if (!(await renew())) return;
      await fillBackup(actor, deps, tenant, backup, undefined, { alsoInTransaction: end, stillOwned: renew });
      return;
    }
    const snapshot =
      job.kind === 'RECOVERY' ? await recoverySnapshot(actor, deps, tenant, backup, job.targetTimestamp!) : await loadSnapshot(actor, deps, tenant, backup);
    if (job.kind === 'RECOVERY_UNDO') {
      if (!(await renew())) return;
      const recovery = await prisma.tenantRecovery.findUniqueOrThrow({ where: { id: job.recoveryId! } });
      await restoreSnapshot(actor, tenant, snapshot, recoveryUndoAuthor(job.actorLabel), recoveryUndoAudit(recovery.targetTimestamp), {
        dataPlane: deps.dataPlane,
        stillOwned,
        alongside: async (tx) => {
          await end(tx);
          await tx.tenantRecovery.update({ where: { id: recovery.id }, data: { undoneAt: new Date() } });
        },
      });
      return;
    }
    const safetyPath = await safetyBackupOnce(actor, deps, tenant, job, lease);
    if (safetyPath === false || !(await renew())) return;
    if (job.kind === 'ROLLBACK') {
      await restoreSnapshot(actor, tenant, snapshot, rollbackAuthor(job.actorLabel, backup.storagePath), rollbackAudit(backup.storagePath), {
        dataPlane: deps.dataPlane,
        stillOwned,
        alongside: end,
      });
      return;
    }
    const timestamp = job.targetTimestamp!;
    await restoreSnapshot(actor, tenant, snapshot, recoveryAuthor(job.actorLabel, timestamp), recoveryAudit(timestamp), {
      dataPlane: deps.dataPlane,
      replayTo: timestamp,
      stillOwned,
      alongside: async (tx) => {
        await end(tx);
        // The undo window starts when the recovery was asked for.
        await tx.tenantRecovery.create({
          data: {
            tenantId: tenant.id,
            targetTimestamp: timestamp,
            safetyPath,
            expiresAt: new Date(job.createdAt.getTime() + recoveryUndoWindowMs),
            originalHost: await recoveryHost(tx, tenant.id),
          },
        });
      },
    });
  } catch (error) {
    if (error instanceof LeaseLost || error instanceof RestoreNotOwned) return;
    // Tenants read the reason: only the gateway's own messages, never a library's.
    const reason = error instanceof DomainError ? error.message : `${jobNames[job.kind]} failed: unexpected error`;
    await prisma.$transaction((tx) => endJob(tx, job, lease, { status: 'FAILED', error: reason }));
    throw error;
  }
}

const jobNames = { BACKUP: 'Backup', ROLLBACK: 'Rollback', RECOVERY: 'Recovery', RECOVERY_UNDO: 'Recovery undo' } as const;
