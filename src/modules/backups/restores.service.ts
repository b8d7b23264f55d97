import type { BackupJob, BackupJobKind, BackupRecord, Prisma, Tenant, TenantRecovery } from '../../generated/prisma/client.js';
import { ConflictError, DomainError, ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { readConfigDocument } from '../configs/config-document.js';
import { assertNoDatabaseWork } from '../../kernel/tenant-state.js';
import type { Actor } from '../../kernel/principal.js';
import { assertWithinProjectPlan, planFields } from '../../kernel/plans.js';
import { afterRestore } from '../tenants/interrupted-work.js';
import { assertNotTenantsOwnAct, resolveTenant } from '../../kernel/tenant-access.js';
import { type BackupDeps, loadSnapshot, writeBackup } from './backup-files.js';
import type { TenantSnapshot } from './snapshot.js';
import { holdsData, recordJob } from './job-requests.js';
import {
  recoveryAudit,
  recoveryAuthor,
  recoveryHost,
  recoverySnapshot,
  recoveryUndoAudit,
  recoveryUndoAuthor,
  recoveryUndoWindowMs,
  replayOverlapMs,
} from './recovery-snapshot.js';
import { restoreSnapshot, rollbackAudit, rollbackAuthor } from './restore-snapshot.js';

/** A rollback done within the request has its safety backup; one run as a job has the job instead (the safety backup is its first step). */
export type RollbackResult = { tenant: Tenant; restoredFrom: BackupRecord; safetyBackup: BackupRecord | null; job: BackupJob | null };

/**
 * Marks the tenant RESTORING or RECOVERING for the duration of `work`, so a second restore
 * (or a lifecycle change) meanwhile is CONFLICT; the status it had comes back after, whether
 * the work succeeded or not. A process that dies meanwhile is mended at the next start
 * (settleInterruptedRestores).
 */
async function whileRestoring<T>(actor: Actor, tenant: Tenant, status: 'RESTORING' | 'RECOVERING', work: () => Promise<T>): Promise<T> {
  await markRestoring(actor.prisma, tenant, status);
  try {
    return await work();
  } finally {
    await actor.prisma.tenant.updateMany({
      where: { id: tenant.id, status },
      data: afterRestore(tenant.status),
    });
  }
}

/** Marks a live tenant RESTORING or RECOVERING, remembering its status; a tenant already restoring (or not live) is CONFLICT. */
async function markRestoring(db: Prisma.TransactionClient, tenant: Tenant, status: 'RESTORING' | 'RECOVERING'): Promise<void> {
  const { count } = await db.tenant.updateMany({
    where: { id: tenant.id, status: { in: ['ACTIVE', 'SUSPENDED'] } },
    data: { status, statusBeforeRestore: tenant.status },
  });
  if (count > 0) return;
  const current = await db.tenant.findUniqueOrThrow({ where: { id: tenant.id }, select: { status: true } });
  throw new ConflictError(
    current.status === 'RESTORING' || current.status === 'RECOVERING'
      ? `Tenant "${tenant.slug}" is ${current.status.toLowerCase()}; wait for it to finish`
      : `Cannot restore tenant "${tenant.slug}": it is ${current.status}`,
    { currentStatus: current.status },
  );
}

/**
 * For a tenant whose databases hold rows: marks it `status` (remembering the one it had) and
 * records the job in one transaction, then starts the worker on it; null when the restore runs
 * within the request (no rows, or no job worker).
 */
async function restoreByJob(
  actor: Actor,
  deps: BackupDeps,
  tenant: Tenant,
  status: 'RESTORING' | 'RECOVERING',
  kind: Exclude<BackupJobKind, 'BACKUP'>,
  fields: Parameters<typeof recordJob>[4],
): Promise<BackupJob | null> {
  if (!deps.jobs || !(await holdsData(actor, tenant))) return null;
  const job = await actor.prisma.$transaction(async (tx) => {
    await markRestoring(tx, tenant, status);
    return recordJob(tx, actor, tenant, kind, fields);
  });
  deps.jobs.kick();
  return job;
}

/**
 * A backup holds the plan it was taken under; restoring another plan is not the tenant's own act,
 * and never lifts the tenant above its project's plan (restoreSnapshot checks that again as it writes).
 */
async function assertRestoreKeepsPlan(actor: Actor, tenant: Tenant, snapshot: TenantSnapshot): Promise<void> {
  const current = { ...tenant, expiresAt: tenant.expiresAt?.toISOString() ?? null };
  const changed = planFields.find((field) => current[field] !== snapshot.tenant[field]);
  if (changed) assertNotTenantsOwnAct(actor.principal!, `restore a backup with another ${changed}`, changed);
  await assertWithinProjectPlan(actor.prisma, tenant.projectId, snapshot.tenant.tier);
}

/**
 * Restores a tenant to a backup: the file's checksum is verified first (a missing or corrupt
 * file changes nothing), the current state is backed up, then everything restorable is
 * replaced in one transaction; the configuration change is a new revision. A tenant whose
 * databases hold rows (real schemas) is restored by a job: the request checks the same, marks
 * the tenant RESTORING and records the job in one transaction, and answers at once.
 */
export async function rollbackTenant(actor: Actor, deps: BackupDeps, ref: string, storagePath: string): Promise<RollbackResult> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  // The backup's own path, or the path of any of its SQL files (what GET /tenants/{id}/backups lists).
  const record = await actor.prisma.backupRecord.findFirst({
    where: { tenantId: tenant.id, status: 'COMPLETED', OR: [{ storagePath }, { files: { some: { storagePath } } }] },
  });
  if (!record) throw new NotFoundError(`No completed backup of this tenant at "${storagePath}"`, { field: 'storagePath' });
  await assertNoDatabaseWork(actor, tenant, 'roll back');
  const snapshot = await loadSnapshot(actor, deps, tenant, record);
  await assertRestoreKeepsPlan(actor, tenant, snapshot);
  const job = await restoreByJob(actor, deps, tenant, 'RESTORING', 'ROLLBACK', { backupId: record.id });
  if (job) return { tenant: { ...tenant, status: 'RESTORING' }, restoredFrom: record, safetyBackup: null, job };
  return whileRestoring(actor, tenant, 'RESTORING', async () => {
    const safetyBackup = await writeBackup(actor, deps, tenant, 'SAFETY');
    await restoreSnapshot(actor, tenant, snapshot, rollbackAuthor(principalLabel(actor), storagePath), rollbackAudit(storagePath));
    return { tenant, restoredFrom: record, safetyBackup, job: null };
  }).then(async (result) => ({ ...result, tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }) }));
}

const principalLabel = (actor: Actor) => actor.principal!.label;

/** A recovery done within the request has its record; one run as a job has the job instead (the record is written as it ends). */
export type RecoveryResult = { tenant: Tenant; targetTimestamp: Date; recovery: TenantRecovery | null; restoredFrom: BackupRecord; job: BackupJob | null };
export type UndoRecoveryResult = { tenant: Tenant; recovery: TenantRecovery; job: BackupJob | null };

/**
 * Point-in-time recovery for dedicated tenants: the tenant as of `timestamp`, rebuilt from the
 * last backup taken before it, carried forward by the tenant's audit events up to it (tenant
 * fields, features, limits, secrets, roles), with the configuration and gateway configuration
 * revisions in force at it. The state
 * before the recovery is kept as a safety backup that recover-undo returns to within 24 hours.
 */
export async function recoverTenant(actor: Actor, deps: BackupDeps, ref: string, timestamp: Date): Promise<RecoveryResult> {
  const tenant = await resolveTenant<Tenant & { config: { document: unknown } }>(actor, ref, 'backups:write', { include: { config: true } });
  if (tenant.isolation !== 'DEDICATED') throw new ForbiddenError('PITR is only available for L2 (dedicated) tenants');
  const { backup } = readConfigDocument(tenant.config.document);
  if (!backup.enable_pitr) throw new ForbiddenError('Point-in-time recovery is disabled for this tenant (backup.enable_pitr)', { field: 'backup.enable_pitr' });
  const now = Date.now();
  const oldest = now - backup.pitr_retention_days * 86_400_000;
  if (Number.isNaN(timestamp.getTime()) || timestamp.getTime() > now || timestamp.getTime() < Math.max(oldest, tenant.createdAt.getTime())) {
    throw new InvalidInputError([
      {
        field: 'timestamp',
        rule: 'pitr_window',
        message: `timestamp must be between ${new Date(Math.max(oldest, tenant.createdAt.getTime())).toISOString()} and now (PITR retention ${backup.pitr_retention_days} days)`,
      },
    ]);
  }
  const base = await actor.prisma.backupRecord.findFirst({
    where: { tenantId: tenant.id, status: 'COMPLETED', completedAt: { lte: timestamp } },
    orderBy: { completedAt: 'desc' },
  });
  if (!base) throw new DomainError('PRECONDITION_FAILED', `No backup of this tenant was completed before ${timestamp.toISOString()}`, { field: 'timestamp' });
  // The events between the backup and the instant must all still be there, or the replay would
  // silently stop short of the instant.
  const replayFrom = base.completedAt!.getTime() - replayOverlapMs;
  if (deps.auditRetentionDays && replayFrom < now - deps.auditRetentionDays * 86_400_000) {
    throw new DomainError(
      'PRECONDITION_FAILED',
      `The last backup before ${timestamp.toISOString()} is older than the audit log kept to replay from it (AUDIT_RETENTION_DAYS ${deps.auditRetentionDays}): recovery to that instant would not be exact`,
      { field: 'timestamp' },
    );
  }
  await assertNoDatabaseWork(actor, tenant, 'recover');
  const snapshot = await recoverySnapshot(actor, deps, tenant, base, timestamp);
  await assertRestoreKeepsPlan(actor, tenant, snapshot);
  const job = await restoreByJob(actor, deps, tenant, 'RECOVERING', 'RECOVERY', { backupId: base.id, targetTimestamp: timestamp });
  if (job) return { tenant: { ...tenant, status: 'RECOVERING' }, targetTimestamp: timestamp, recovery: null, restoredFrom: base, job };
  // Where the databases are before the restore touches their records.
  const originalHost = await recoveryHost(actor.prisma, tenant.id);
  const recovery = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    const safetyBackup = await writeBackup(actor, deps, tenant, 'SAFETY');
    await restoreSnapshot(actor, tenant, snapshot, recoveryAuthor(principalLabel(actor), timestamp), recoveryAudit(timestamp));
    return actor.prisma.tenantRecovery.create({
      data: {
        tenantId: tenant.id,
        targetTimestamp: timestamp,
        safetyPath: safetyBackup.storagePath!,
        expiresAt: new Date(now + recoveryUndoWindowMs),
        originalHost,
      },
    });
  });
  return {
    tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }),
    targetTimestamp: timestamp,
    recovery,
    restoredFrom: base,
    job: null,
  };
}

/** Back to the state before the latest recovery, within its 24-hour window; CONFLICT after. */
export async function undoRecovery(actor: Actor, deps: BackupDeps, ref: string): Promise<UndoRecoveryResult> {
  const tenant = await resolveTenant(actor, ref, 'backups:write');
  if (tenant.isolation !== 'DEDICATED') throw new ForbiddenError('PITR is only available for L2 (dedicated) tenants');
  const recovery = await actor.prisma.tenantRecovery.findFirst({ where: { tenantId: tenant.id, undoneAt: null }, orderBy: { createdAt: 'desc' } });
  if (!recovery) throw new ConflictError('There is no recovery to undo for this tenant');
  if (recovery.expiresAt.getTime() <= Date.now()) {
    throw new ConflictError(
      `The 24-hour undo window of the recovery to ${recovery.targetTimestamp.toISOString()} ended at ${recovery.expiresAt.toISOString()}`,
      {
        expiredAt: recovery.expiresAt.toISOString(),
      },
    );
  }
  const record = await actor.prisma.backupRecord.findFirstOrThrow({ where: { tenantId: tenant.id, storagePath: recovery.safetyPath } });
  const snapshot = await loadSnapshot(actor, deps, tenant, record);
  await assertRestoreKeepsPlan(actor, tenant, snapshot);
  const job = await restoreByJob(actor, deps, tenant, 'RECOVERING', 'RECOVERY_UNDO', { backupId: record.id, recoveryId: recovery.id });
  if (job) return { tenant: { ...tenant, status: 'RECOVERING' }, recovery, job };
  const undone = await whileRestoring(actor, tenant, 'RECOVERING', async () => {
    await restoreSnapshot(actor, tenant, snapshot, recoveryUndoAuthor(principalLabel(actor)), recoveryUndoAudit(recovery.targetTimestamp));
    return actor.prisma.tenantRecovery.update({ where: { id: recovery.id }, data: { undoneAt: new Date() } });
  });
  return { tenant: await actor.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } }), recovery: undone, job: null };
}
