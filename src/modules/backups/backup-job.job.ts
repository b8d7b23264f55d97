import type { PrismaClient } from '../../generated/prisma/client.js';
import type { JobHandler } from '../../jobs/handler.js';
import type { BackupDeps } from './backup-files.js';
import { runBackupJob } from './backup-jobs.js';
import { backupJobKind } from './job-requests.js';

/**
 * Backups and restores of tenants with data as queue jobs (kind `backup-job`, one at a time per
 * tenant: a backup never reads a restore half committed by another process). The BackupJob row
 * is the domain record the job names; each job's effect commits in one transaction with its
 * end, so a process killed at any moment leaves the tenant wholly before (the job runs again)
 * or after.
 */
export function backupJobHandler(
  prisma: PrismaClient,
  deps: BackupDeps,
  settings: { leaseMs: number },
  /** Told when a restore changed what API keys are read with (plan, gateway configuration). */
  credentialsChanged?: () => void,
): JobHandler {
  return {
    kind: backupJobKind,
    leaseMs: settings.leaseMs,
    resumedMessage: 'resuming backup jobs a stopped process left unfinished',
    async run(job, { lease }) {
      const { backupJobId } = job.payload as { backupJobId: string };
      const record = await prisma.backupJob.findUnique({ where: { id: backupJobId } });
      // Ended already (by an older process, before its queue row was removed), or gone with its tenant.
      if (!record || (record.status !== 'PENDING' && record.status !== 'RUNNING')) return;
      const started = await prisma.backupJob.update({
        where: { id: record.id },
        data: { status: 'RUNNING', attempts: job.attempts, startedAt: record.startedAt ?? new Date() },
      });
      await runBackupJob(prisma, deps, started, lease, credentialsChanged);
    },
  };
}
