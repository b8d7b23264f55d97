import type { PeriodicTask } from '../../jobs/scheduler.js';
import type { Logger } from '../../lib/logger.js';
import { interruptedAfterMs } from '../tenants/interrupted-work.js';
import type { LocalBackupStorage } from './storage.js';

/**
 * Partial files of killed writers in this process's BACKUP_DIR, removed once at start. A walk
 * of the directory, so it runs beside serving, not before it; every process cleans its own
 * directory (another replica's may be another disk), so it is no leader's task.
 */
export function partialBackupFilesTask(local: LocalBackupStorage, aloneWithDatabase: boolean, logger: Logger): PeriodicTask {
  return {
    name: 'partial-backup-files',
    runs: 'each process',
    atStart: 'beside',
    async run() {
      const stale = await local.removeStaleTemporaryFiles(aloneWithDatabase ? 0 : interruptedAfterMs);
      if (stale) logger.warn('removed partial backup files an interrupted process left', { files: stale });
    },
  };
}
