import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../lib/logger.js';
import { Retention } from '../../lib/retention.js';

/** Logged queries older than QUERY_LOG_RETENTION_DAYS, deleted at start and every hour (idempotent: every replica may run it). */
export class QueryLogRetention extends Retention {
  constructor(
    private readonly prisma: PrismaClient,
    retentionDays: number,
    logger: Logger,
  ) {
    super('the query log', retentionDays, logger);
  }

  protected override deleteOlderThan(cutoff: Date): Promise<number> {
    return this.prisma.tenantQueryLog.deleteMany({ where: { createdAt: { lt: cutoff } } }).then((result) => result.count);
  }
}
