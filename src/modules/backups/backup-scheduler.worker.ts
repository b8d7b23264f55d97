import type { Leadership } from '../../db/leadership.js';
import type { Logger } from '../../lib/logger.js';
import type { Actor } from '../identity/principal.js';
import type { BackupDeps } from './backup-files.js';
import { pruneBackups, runScheduledBackups } from './backup-schedule.service.js';

/**
 * Runs the backup schedule every `intervalMs` in whichever process leads (an advisory lock on
 * PostgreSQL), so replicas sharing a database take each scheduled backup once. A round takes
 * the due backups, then prunes what retention lets go; rounds never overlap.
 */
export class BackupScheduler {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  rounds = 0;

  constructor(
    private readonly prisma: Actor['prisma'],
    private readonly deps: BackupDeps,
    private readonly leadership: Leadership,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  get leading(): boolean {
    return this.leadership.leading;
  }

  start(): void {
    const tick = () => {
      if (this.round) return;
      this.round = this.runRound()
        .catch((error) => this.logger.error('backup schedule round failed', { error }))
        .finally(() => {
          this.round = null;
        });
    };
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
    tick();
  }

  private async runRound(): Promise<void> {
    const wasLeading = this.leadership.leading;
    if (!(await this.leadership.tryLead())) return;
    if (!wasLeading) this.logger.info('backup scheduler: this process runs the schedule', { pid: process.pid });
    this.rounds += 1;
    const started = Date.now();
    const { taken, failed } = await runScheduledBackups(this.prisma, this.deps, { logger: this.logger });
    const pruned = await pruneBackups(this.prisma, this.deps, { logger: this.logger });
    if (taken.length || failed || pruned) {
      this.logger.info('backup schedule round', {
        full: taken.filter((backup) => backup.kind === 'FULL').length,
        incremental: taken.filter((backup) => backup.kind === 'INCREMENTAL').length,
        failed,
        pruned,
        ms: Date.now() - started,
      });
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
    await this.leadership.close();
  }
}
