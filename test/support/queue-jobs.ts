import { randomUUID } from 'node:crypto';
import type { BackupJob, Prisma, PrismaClient } from '../../src/generated/prisma/client.js';
import { claimJob, leaseOf } from '../../src/jobs/queue.js';
import { createLogger } from '../../src/lib/logger.js';
import type { BackupDeps } from '../../src/modules/backups/backup-files.js';
import { backupJobHandler } from '../../src/modules/backups/backup-job.job.js';
import { backupJobKind } from '../../src/modules/backups/job-requests.js';

// Tests play "another process" through the queue's rows (src/jobs/): a job held under a lease
// that process took, and the moment that process died (its lease ran out).

type Db = Pick<PrismaClient, 'job'> | Pick<Prisma.TransactionClient, 'job'>;

const naming = (kind: string, field: string, id: string) => ({ kind, payload: { path: [field], equals: id } });

/** The queue's job naming a domain record (`field` in its payload). */
export function queueJobOf(db: Db, kind: string, field: string, id: string) {
  return db.job.findFirst({ where: naming(kind, field, id) });
}

/** Another process holds the job: its lease runs `forMs` (an hour by default). */
export async function holdQueueJob(db: Db, kind: string, field: string, id: string, forMs = 3_600_000, leaseToken: string = randomUUID()) {
  await db.job.updateMany({
    where: naming(kind, field, id),
    data: { status: 'RUNNING', leaseToken, leaseUntil: new Date(Date.now() + forMs), attempts: { increment: 1 } },
  });
  return leaseToken;
}

/** The process holding the job died: its lease has run out, and a worker takes the job over. */
export async function releaseQueueJob(db: Db, kind: string, field: string, id: string) {
  await db.job.updateMany({ where: naming(kind, field, id), data: { leaseUntil: new Date(Date.now() - 1) } });
}

/**
 * The queue row of a backup job a test recorded itself: `held`, claimed by another process
 * (for an hour unless told); otherwise waiting, due now.
 */
export async function queueBackupJob(db: Db, job: BackupJob, held?: { forMs?: number; leaseToken?: string }) {
  const now = new Date();
  return db.job.create({
    data: {
      id: randomUUID(),
      kind: backupJobKind,
      payload: { backupJobId: job.id },
      serialKey: `tenant:${job.tenantId}`,
      runAt: now,
      createdAt: now,
      updatedAt: now,
      attempts: job.attempts,
      ...(held
        ? { status: 'RUNNING' as const, leaseToken: held.leaseToken ?? randomUUID(), leaseUntil: new Date(now.getTime() + (held.forMs ?? 3_600_000)) }
        : {}),
    },
  });
}

/** One claim of a backup job and one run of it, as the queue's runner makes them in this process; false when none was claimable. */
export async function runOneBackupJob(prisma: PrismaClient, deps: BackupDeps): Promise<boolean> {
  const leaseMs = 30_000;
  const claimed = await claimJob(prisma, [{ kind: backupJobKind, leaseMs, maxAttempts: null }], randomUUID());
  if (!claimed) return false;
  await backupJobHandler(prisma, deps, { leaseMs })
    .run(claimed, { lease: leaseOf(prisma, claimed, leaseMs), stopping: () => false, logger: createLogger('silent') })
    .catch(() => undefined);
  return true;
}
