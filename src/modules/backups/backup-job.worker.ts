import { randomUUID } from 'node:crypto';
import type { BackupJob, PrismaClient } from '../../generated/prisma/client.js';
import { DomainError } from '../../lib/errors.js';
import { JobLoop } from '../../lib/job-loop.js';
import type { Logger } from '../../lib/logger.js';
import type { BackupDeps } from './backup-files.js';
import { runBackupJob } from './backup-jobs.js';
import { utcNow } from '../../db/sql-time.js';

export type BackupJobSettings = {
  /** How often the worker looks for jobs (a job recorded here is started at once). */
  pollMs: number;
  /** How long a worker holds a job without renewing: past it, another process takes the job over. */
  leaseMs: number;
};

/**
 * Runs backups and restores of tenants with data as durable jobs, as deployments run
 * (SchemaRolloutWorker): the BackupJob row is claimed with FOR UPDATE SKIP LOCKED under a lease renewed between
 * steps, so two replicas never run one job at once and a job whose process died is taken over
 * once its lease runs out. A process alone with its database (PGlite) takes over every
 * unfinished job at start. Each job's effect commits in one transaction with its end, so a
 * process killed at any moment leaves the tenant wholly before (the job runs again) or after.
 */
export class BackupJobWorker {
  private readonly loop: JobLoop;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly deps: BackupDeps,
    private readonly settings: BackupJobSettings,
    private readonly aloneWithDatabase: boolean,
    private readonly logger: Logger,
    /** Told when a restore changed what API keys are read with (plan, gateway configuration). */
    private readonly credentialsChanged?: () => void,
  ) {
    this.loop = new JobLoop(() => this.runOnce(), settings.pollMs, logger, 'backup job');
  }

  start(): void {
    this.loop.start(async () => {
      if (!this.aloneWithDatabase) return;
      const { count } = await this.prisma.backupJob.updateMany({ where: { status: { in: ['PENDING', 'RUNNING'] }, leaseUntil: { not: null } }, data: { leaseUntil: null, leaseToken: null } });
      if (count) this.logger.warn('resuming backup jobs a stopped process left unfinished', { jobs: count });
    });
  }

  /** Looks for work now (a job was just recorded), or as soon as the current round ends. */
  kick(): void {
    this.loop.kick();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Claims one job and runs it; false when there was none to claim. */
  async runOnce(): Promise<boolean> {
    const token = randomUUID();
    const [claimed] = await this.prisma.$queryRaw<BackupJob[]>`
      UPDATE "BackupJob"
         SET "leaseToken" = ${token}::uuid, "leaseUntil" = ${utcNow} + (${this.settings.leaseMs}::int * interval '1 millisecond'),
             "attempts" = "attempts" + 1, "status" = 'RUNNING', "startedAt" = coalesce("startedAt", ${utcNow})
       WHERE id = (
         SELECT id FROM "BackupJob"
          WHERE status IN ('PENDING', 'RUNNING') AND ("leaseUntil" IS NULL OR "leaseUntil" < ${utcNow})
            -- One job of a tenant at a time: a backup never reads a restore half committed by another process.
            AND NOT EXISTS (
              SELECT 1 FROM "BackupJob" other
               WHERE other."tenantId" = "BackupJob"."tenantId" AND other.id <> "BackupJob".id
                 AND other.status = 'RUNNING' AND other."leaseUntil" >= ${utcNow})
          ORDER BY "createdAt", id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    if (!claimed) return false;
    const renew = async () => {
      const { count } = await this.prisma.backupJob.updateMany({
        where: { id: claimed.id, leaseToken: token },
        data: { leaseUntil: new Date(Date.now() + this.settings.leaseMs) },
      });
      return count === 1;
    };
    // Renewed on a timer too, not only between steps: one step (a large snapshot, a slow upload)
    // may outlast the lease, and another process must not take over a job still running here.
    const heartbeat = setInterval(() => void renew().catch(() => undefined), Math.max(200, Math.floor(this.settings.leaseMs / 3)));
    heartbeat.unref();
    try {
      await runBackupJob(this.prisma, this.deps, claimed, token, renew, this.credentialsChanged);
    } catch (error) {
      this.logger.warn('a backup job failed', { job: claimed.id, kind: claimed.kind, tenantId: claimed.tenantId, error: error instanceof DomainError ? error.message : 'unexpected error', errorCode: (error as { code?: unknown } | null)?.code });
    } finally {
      clearInterval(heartbeat);
    }
    return true;
  }
}
