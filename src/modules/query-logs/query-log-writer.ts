import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { QuerySource } from '../../generated/prisma/enums.js';

export type QueryRun = {
  tenantId: string;
  source: QuerySource;
  blueprint: string;
  query: string;
  success: boolean;
  durationMs: number;
  /** Rows returned or changed, where known. */
  rows?: number | null;
  error?: string | null;
  createdAt?: Date;
};

type QueryLogWriter = Pick<PrismaClient, 'tenantQueryLog'> | Pick<Prisma.TransactionClient, 'tenantQueryLog'>;

/**
 * Records the queries one request ran, in one statement, after they ran and outside their
 * transactions: a query that failed and rolled back is still logged, and a read of the log
 * after the response sees it.
 */
export async function recordQueries(prisma: QueryLogWriter, runs: QueryRun[]): Promise<void> {
  if (runs.length === 0) return;
  // One run (every single-tenant admin query) is `create`: Prisma caches its query plan, while
  // `createMany` is compiled again on every call (~20 % of the write's CPU, measured for W6).
  if (runs.length === 1) {
    await prisma.tenantQueryLog.create({ data: { ...runs[0]!, error: runs[0]!.error ?? null }, select: { id: true } });
    return;
  }
  await prisma.tenantQueryLog.createMany({
    data: runs.map((run) => ({ ...run, error: run.error ?? null })),
  });
}

/**
 * Writes many runs in one INSERT of arrays, outside Prisma's query compiler (the database proxy's
 * batches: thousands of rows a second, where a createMany is compiled again for every call and
 * cost more CPU than the statements it logs). Runs of a tenant deleted meanwhile are skipped,
 * so one gone tenant never fails the batch. Answers the rows written.
 */
export async function recordQueryBatch(prisma: Pick<PrismaClient, '$executeRaw'>, runs: QueryRun[]): Promise<number> {
  if (runs.length === 0) return 0;
  const column = <T>(pick: (run: QueryRun) => T) => runs.map(pick);
  return prisma.$executeRaw`
    INSERT INTO "TenantQueryLog" ("id", "tenantId", "source", "blueprint", "query", "success", "durationMs", "rows", "error", "createdAt")
    SELECT gen_random_uuid(), u.tenant, u.source::"QuerySource", u.blueprint, u.query, u.success, u.duration, u.rows, u.error, u.at
      FROM unnest(
        ${column((run) => run.tenantId)}::uuid[], ${column((run) => run.source)}::text[], ${column((run) => run.blueprint)}::text[],
        ${column((run) => run.query)}::text[], ${column((run) => run.success)}::boolean[], ${column((run) => run.durationMs)}::float8[],
        ${column((run) => (run.rows == null ? null : Math.min(run.rows, 2_147_483_647)))}::int[], ${column((run) => run.error ?? null)}::text[],
        ${column((run) => (run.createdAt ?? new Date()).toISOString())}::timestamp[]
      ) AS u(tenant, source, blueprint, query, success, duration, rows, error, at)
     WHERE EXISTS (SELECT 1 FROM "Tenant" t WHERE t.id = u.tenant)`;
}
