import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { Logger } from '../../lib/logger.js';
import type { Actor } from '../../kernel/principal.js';
import { settleInterruptedWork } from './interrupted-work.js';

/**
 * What a stopped process left half done within a request (a restore of a tenant without rows,
 * a scheduled backup), settled by every process before it serves and then every minute by the
 * scheduler's leader. Jobs are the queue's: they run again. A process alone with its database
 * (PGlite) settles everything at start; replicas wait for marks to age.
 */
export function interruptedWorkTask(prisma: Actor['prisma'], aloneWithDatabase: boolean, logger: Logger): PeriodicTask {
  return {
    name: 'interrupted-work',
    runs: 'leader',
    everyMs: 60_000,
    atStart: 'before ready',
    async run({ atStart }) {
      const settled = await settleInterruptedWork(prisma, Date.now(), atStart && aloneWithDatabase ? 0 : undefined);
      if (settled.tenants || settled.backups) logger.warn('settled work an interrupted process left behind', settled);
    },
  };
}
