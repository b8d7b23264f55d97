import type { Logger } from '../../lib/logger.js';
import { interruptedAfterMs } from '../tenants/interrupted-work.js';
import type { LocalBackupStorage } from './storage.js';

/**
 * Partial files of killed writers in BACKUP_DIR, removed once at start. A walk of the
 * directory, so it runs beside serving, not before it.
 */
export class PartialBackupFilesCleaner {
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly local: LocalBackupStorage,
    private readonly aloneWithDatabase: boolean,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.done = this.local
      .removeStaleTemporaryFiles(this.aloneWithDatabase ? 0 : interruptedAfterMs)
      .then((stale) => {
        if (stale) this.logger.warn('removed partial backup files an interrupted process left', { files: stale });
      })
      .catch((error) => this.logger.error('removing partial backup files failed', { error }));
  }

  stop(): Promise<void> {
    return this.done;
  }
}
