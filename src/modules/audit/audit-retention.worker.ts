import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';
import { Retention } from '../../lib/retention.js';

/** Events older than AUDIT_RETENTION_DAYS, deleted at start and every hour (idempotent: every replica may run it). */
export class AuditRetention extends Retention {
  constructor(
    private readonly prisma: PrismaClient,
    retentionDays: number,
    logger: Logger,
  ) {
    super('the audit log', retentionDays, logger);
  }

  protected override deleteOlderThan(cutoff: Date): Promise<number> {
    return this.prisma.auditEvent.deleteMany({ where: { createdAt: { lt: cutoff } } }).then((result) => result.count);
  }
}
