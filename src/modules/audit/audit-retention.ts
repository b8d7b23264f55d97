import type { PrismaClient } from '../../generated/prisma/client.js';
import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { Logger } from '../../lib/logger.js';

const dayMs = 86_400_000;

/**
 * Deletes events older than `retentionDays`, and the sealed secret versions they referenced
 * (the current values stay in TenantSecret); returns the events deleted.
 */
export async function pruneAuditEvents(prisma: PrismaClient, retentionDays: number, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - retentionDays * dayMs);
  const events = await prisma.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } });
  await prisma.tenantSecretVersion.deleteMany({ where: { createdAt: { lt: cutoff } } });
  return events.count;
}

/** AUDIT_RETENTION_DAYS, applied by the scheduler's leader when it takes the lead and every hour. */
export function auditRetentionTask(prisma: PrismaClient, retentionDays: number, logger: Logger): PeriodicTask {
  return {
    name: 'audit-retention',
    runs: 'leader',
    everyMs: 3_600_000,
    async run() {
      const pruned = await pruneAuditEvents(prisma, retentionDays);
      if (pruned) logger.info('pruned the audit log', { events: pruned, retentionDays });
    },
  };
}
