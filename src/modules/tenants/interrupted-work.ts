import type { TenantStatus } from '../../generated/prisma/enums.js';
import type { Actor } from '../../kernel/principal.js';

/** What a tenant's fields become when a restore or recovery ends, however it ended: the status it had before (suspended stays suspended). */
export const afterRestore = (statusBefore: TenantStatus | null) => ({
  status: statusBefore === 'SUSPENDED' ? ('SUSPENDED' as const) : ('ACTIVE' as const),
  statusBeforeRestore: null,
});

/** A restore is a few statements in one transaction; one marked longer ago than this was interrupted. */
export const interruptedAfterMs = 10 * 60_000;

/**
 * Work a process that died left half done, once its mark is `interruptedAfterMs` old (so a
 * replica never settles what another is still doing): tenants left RESTORING or RECOVERING
 * return to their status (the restore itself is one transaction, so the data is as before or
 * as after), and backups left RUNNING become FAILED (their file, written under a temporary
 * name, never got its real name). Run at start and every minute. A process alone with its
 * database (PGlite) settles everything at start: nobody else can be mid-restore.
 */
export async function settleInterruptedWork(
  prisma: Actor['prisma'],
  now = Date.now(),
  olderThanMs = interruptedAfterMs,
): Promise<{ tenants: number; backups: number }> {
  const cutoff = new Date(now - olderThanMs);
  const stuck = await prisma.tenant.findMany({
    // A restore run as a job is the job's to end: it runs again after a restart.
    where: {
      status: { in: ['RESTORING', 'RECOVERING'] },
      updatedAt: { lt: cutoff },
      backupJobs: { none: { kind: { not: 'BACKUP' }, status: { in: ['PENDING', 'RUNNING'] } } },
    },
    select: { id: true, status: true, statusBeforeRestore: true },
  });
  let tenants = 0;
  for (const tenant of stuck) {
    const { count } = await prisma.tenant.updateMany({
      where: { id: tenant.id, status: tenant.status },
      data: afterRestore(tenant.statusBeforeRestore),
    });
    tenants += count;
  }
  const { count: backups } = await prisma.backupRecord.updateMany({
    // A backup a job writes is the job's: it is written again after a restart.
    where: { status: { in: ['RUNNING', 'PENDING'] }, createdAt: { lt: cutoff }, jobs: { none: { kind: 'BACKUP', status: { in: ['PENDING', 'RUNNING'] } } } },
    data: { status: 'FAILED', failureReason: 'Interrupted: the process taking this backup stopped before it finished', completedAt: new Date(now) },
  });
  return { tenants, backups };
}
