import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';

const hourMs = 3_600_000;

/** Events older than AUDIT_RETENTION_DAYS, deleted at start and every hour (idempotent: every replica may run it). */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.retentionDays * 24 * hourMs);
    return this.prisma.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } }).then((result) => result.count);
  }

  start(): void {
    const run = () => {
      this.running = this.prune().catch((error) => this.logger.error('pruning the audit log failed', { error }));
    };
    run();
    this.timer = setInterval(run, hourMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
