import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';
import { Retention } from '../../lib/retention.js';

/** Events (and sealed secret versions) older than AUDIT_RETENTION_DAYS, deleted at start and every hour (idempotent: every replica may run it). */
export class AuditRetention extends Retention {
  constructor(
    private readonly prisma: PrismaClient,
    retentionDays: number,
    logger: Logger,
  ) {
    super('the audit log', retentionDays, logger);
  }

  /** Returns the events deleted; the sealed secret versions they referenced go with them (the current values stay in TenantSecret). */
  protected override async deleteOlderThan(cutoff: Date): Promise<number> {
    const events = await this.prisma.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } });
    await this.prisma.tenantSecretVersion.deleteMany({ where: { createdAt: { lt: cutoff } } });
    return events.count;
  }
}
