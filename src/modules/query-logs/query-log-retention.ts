import type { PrismaClient } from '../../generated/prisma/client.js';
import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { Logger } from '../../lib/logger.js';

/** Deletes logged queries older than `retentionDays`; returns how many. */
export async function pruneQueryLogs(prisma: PrismaClient, retentionDays: number, now = Date.now()): Promise<number> {
  const { count } = await prisma.tenantQueryLog.deleteMany({ where: { createdAt: { lt: new Date(now - retentionDays * 86_400_000) } } });
  return count;
}

/** QUERY_LOG_RETENTION_DAYS, applied by the scheduler's leader when it takes the lead and every hour. */
export function queryLogRetentionTask(prisma: PrismaClient, retentionDays: number, logger: Logger): PeriodicTask {
  return {
    name: 'query-log-retention',
    runs: 'leader',
    everyMs: 3_600_000,
    async run() {
      const pruned = await pruneQueryLogs(prisma, retentionDays);
      if (pruned) logger.info('pruned the query log', { entries: pruned, retentionDays });
    },
  };
}
