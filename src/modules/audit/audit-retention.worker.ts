import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';

const hourMs = 3_600_000;

/** Events (and sealed secret versions) older than AUDIT_RETENTION_DAYS, deleted at start and every hour (idempotent: every replica may run it). */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly retentionDays: number,
    private readonly logger: Logger,
  ) {}

  /** Returns the events deleted; the sealed secret versions they referenced go with them (the current values stay in TenantSecret). */
  async prune(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - this.retentionDays * 24 * hourMs);
    const events = await this.prisma.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } });
    await this.prisma.tenantSecretVersion.deleteMany({ where: { createdAt: { lt: cutoff } } });
    return events.count;
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
