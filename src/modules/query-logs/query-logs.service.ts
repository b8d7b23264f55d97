import { Prisma } from '../../generated/prisma/client.js';
import type { QuerySource } from '../../generated/prisma/enums.js';
import { InvalidInputError, type Violation } from '../../lib/errors.js';
import type { Actor } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';

export type QueryLogDeps = {
  /** A query at least this long (SLOW_QUERY_MS) counts as slow. */
  slowQueryMs: number;
};

export const maxLogPage = 1000;
export const defaultLogPage = 50;

export type QueryLogKind = 'ERROR' | 'SLOW';
export type QueryLogFilter = { kind?: QueryLogKind | null; search?: string | null; source?: QuerySource | null; since?: Date | null };

function logWhere(tenantId: string, filter: QueryLogFilter, slowQueryMs: number): Prisma.TenantQueryLogWhereInput {
  return {
    AND: [
      { tenantId },
      filter.kind === 'ERROR' ? { success: false } : {},
      filter.kind === 'SLOW' ? { durationMs: { gte: slowQueryMs } } : {},
      filter.source ? { source: filter.source } : {},
      filter.since ? { createdAt: { gte: filter.since } } : {},
      filter.search ? { query: { contains: filter.search, mode: 'insensitive' } } : {},
    ],
  };
}

function assertPage(limit: number, offset: number) {
  const violations: Violation[] = [];
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLogPage) {
    violations.push({ field: 'limit', rule: 'range', message: `limit must be an integer from 1 to ${maxLogPage}` });
  }
  if (!Number.isInteger(offset) || offset < 0) violations.push({ field: 'offset', rule: 'range', message: 'offset must be an integer of 0 or more' });
  if (violations.length) throw new InvalidInputError(violations);
}

/** A tenant's logged queries, newest first, a page at a time; `hasMore` says whether another page follows. */
export async function listQueryLogs(
  actor: Actor,
  ref: string,
  page: { limit?: number | null; offset?: number | null },
  filter: QueryLogFilter,
  deps: QueryLogDeps,
) {
  const limit = page.limit ?? defaultLogPage;
  const offset = page.offset ?? 0;
  assertPage(limit, offset);
  const tenant = await resolveTenant(actor, ref, 'tenants:read');
  const rows = await actor.prisma.tenantQueryLog.findMany({
    where: logWhere(tenant.id, filter, deps.slowQueryMs),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    skip: offset,
    take: limit + 1,
  });
  return { tenant, entries: rows.slice(0, limit), hasMore: rows.length > limit };
}

type StatsRow = { total: number; successful: number; avg: number | null; slow: number; api: number; proxy: number };

/** Totals over every retained query of the tenant, computed by the database. */
export async function queryLogStats(actor: Actor, ref: string, deps: QueryLogDeps) {
  const tenant = await resolveTenant(actor, ref, 'tenants:read');
  const [row] = await actor.prisma.$queryRaw<StatsRow[]>(Prisma.sql`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE success)::int AS successful,
           avg("durationMs")::float8 AS avg,
           count(*) FILTER (WHERE "durationMs" >= ${deps.slowQueryMs})::int AS slow,
           count(*) FILTER (WHERE source = 'API')::int AS api,
           count(*) FILTER (WHERE source = 'PROXY')::int AS proxy
      FROM "TenantQueryLog" WHERE "tenantId" = ${tenant.id}::uuid`);
  const stats = row!;
  return {
    tenant,
    totalQueries: stats.total,
    successful: stats.successful,
    failed: stats.total - stats.successful,
    bySource: [
      { source: 'API' as const, count: stats.api },
      { source: 'PROXY' as const, count: stats.proxy },
    ],
    avgDurationMs: stats.avg ?? 0,
    slowQueries: stats.slow,
    slowQueryMs: deps.slowQueryMs,
  };
}

type MetricsRow = { total: number; successful: number; avg: number | null; p50: number | null; p95: number | null; p99: number | null };

/** Query count, success rate and latency percentiles since an instant (every retained query without one). */
export async function queryMetrics(actor: Actor, ref: string, since: Date | null | undefined) {
  const tenant = await resolveTenant(actor, ref, 'tenants:read');
  const from = since ?? new Date(0);
  const [row] = await actor.prisma.$queryRaw<MetricsRow[]>(Prisma.sql`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE success)::int AS successful,
           avg("durationMs")::float8 AS avg,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY "durationMs")::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY "durationMs")::float8 AS p95,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY "durationMs")::float8 AS p99
      FROM "TenantQueryLog" WHERE "tenantId" = ${tenant.id}::uuid AND "createdAt" >= ${from}`);
  const metrics = row!;
  return {
    tenant,
    since: since ?? null,
    queryCount: metrics.total,
    successful: metrics.successful,
    failed: metrics.total - metrics.successful,
    successRate: metrics.total === 0 ? null : metrics.successful / metrics.total,
    latency: { avgMs: metrics.avg, p50Ms: metrics.p50, p95Ms: metrics.p95, p99Ms: metrics.p99 },
  };
}
