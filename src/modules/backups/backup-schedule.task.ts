import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { Logger } from '../../lib/logger.js';
import type { Actor } from '../../kernel/principal.js';
import type { BackupDeps } from './backup-files.js';
import { pruneBackups, runScheduledBackups } from './backup-schedule.service.js';

/**
 * The backup schedule, every `everyMs` in the scheduler's leader, so replicas sharing a
 * database take each scheduled backup once: a round takes the due backups, then prunes what
 * retention lets go. `rounds` counts this process's (gateway_backup_scheduler_rounds_total).
 */
export function backupScheduleTask(prisma: Actor['prisma'], deps: BackupDeps, logger: Logger, everyMs: number): PeriodicTask & { readonly rounds: number } {
  let rounds = 0;
  return {
    name: 'backup-schedule',
    runs: 'leader',
    everyMs,
    get rounds() {
      return rounds;
    },
    async run({ newlyLeading }) {
      if (newlyLeading) logger.info('backup scheduler: this process runs the schedule', { pid: process.pid });
      rounds += 1;
      const started = Date.now();
      const { taken, failed } = await runScheduledBackups(prisma, deps, { logger });
      const pruned = await pruneBackups(prisma, deps, { logger });
      if (taken.length || failed || pruned) {
        logger.info('backup schedule round', {
          full: taken.filter((backup) => backup.kind === 'FULL').length,
          incremental: taken.filter((backup) => backup.kind === 'INCREMENTAL').length,
          failed,
          pruned,
          ms: Date.now() - started,
        });
      }
    },
  };
}
