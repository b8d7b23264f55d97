import { builder } from '../../graphql/builder.js';
import { TenantRef } from '../tenants/tenants.types.js';
import type { listQueryLogs, queryLogStats, queryMetrics } from './query-logs.service.js';

export const QuerySourceEnum = builder.enumType('QuerySource', {
  description: 'Where a query on a tenant database came from: the API (admin query) or the database proxy',
  values: ['API', 'PROXY'] as const,
});

export const QueryLogKindEnum = builder.enumType('QueryLogKind', {
  values: { ERROR: { description: 'Failed queries' }, SLOW: { description: 'Queries that took SLOW_QUERY_MS or longer' } } as const,
});

export const QueryLogEntryRef = builder.prismaObject('TenantQueryLog', {
  description: 'One query run on a tenant database',
  fields: (t) => ({
    id: t.exposeID('id'),
    source: t.expose('source', { type: QuerySourceEnum }),
    blueprint: t.exposeString('blueprint', { description: 'The database (blueprint) it ran on' }),
    query: t.exposeString('query'),
    success: t.exposeBoolean('success'),
    durationMs: t.exposeFloat('durationMs'),
    rows: t.exposeInt('rows', { nullable: true, description: "Rows returned or changed, where known (the proxy's statements)" }),
    error: t.exposeString('error', { nullable: true, description: "The database's message when it failed" }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const QueryLogFilterInput = builder.inputType('QueryLogFilterInput', {
  fields: (t) => ({
    kind: t.field({ type: QueryLogKindEnum, required: false }),
    search: t.string({ required: false, description: 'Text the query contains (case-insensitive)' }),
    source: t.field({ type: QuerySourceEnum, required: false }),
    since: t.field({ type: 'DateTime', required: false }),
  }),
});

export const QueryLogPageRef = builder.objectRef<Awaited<ReturnType<typeof listQueryLogs>>>('QueryLogPage').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (page) => page.tenant }),
    entries: t.field({ type: [QueryLogEntryRef], resolve: (page) => page.entries }),
    hasMore: t.exposeBoolean('hasMore', { description: 'Whether further entries follow this page' }),
  }),
});

const QuerySourceCountRef = builder.objectRef<{ source: 'API' | 'PROXY'; count: number }>('QuerySourceCount').implement({
  fields: (t) => ({ source: t.expose('source', { type: QuerySourceEnum }), count: t.exposeInt('count') }),
});

export const QueryLogStatsRef = builder.objectRef<Awaited<ReturnType<typeof queryLogStats>>>('QueryLogStats').implement({
  description: "Totals over a tenant's retained query log",
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (stats) => stats.tenant }),
    totalQueries: t.exposeInt('totalQueries'),
    successful: t.exposeInt('successful'),
    failed: t.exposeInt('failed'),
    bySource: t.field({ type: [QuerySourceCountRef], resolve: (stats) => stats.bySource }),
    avgDurationMs: t.exposeFloat('avgDurationMs', { description: '0 without queries' }),
    slowQueries: t.exposeInt('slowQueries'),
    slowQueryMs: t.exposeInt('slowQueryMs', { description: 'The threshold (SLOW_QUERY_MS)' }),
  }),
});

const QueryLatencyRef = builder.objectRef<Awaited<ReturnType<typeof queryMetrics>>['latency']>('QueryLatency').implement({
  description: 'Milliseconds; null without queries',
  fields: (t) => ({
    avgMs: t.exposeFloat('avgMs', { nullable: true }),
    p50Ms: t.exposeFloat('p50Ms', { nullable: true }),
    p95Ms: t.exposeFloat('p95Ms', { nullable: true }),
    p99Ms: t.exposeFloat('p99Ms', { nullable: true }),
  }),
});

export const QueryMetricsRef = builder.objectRef<Awaited<ReturnType<typeof queryMetrics>>>('QueryMetrics').implement({
  description: "Performance of a tenant's database queries",
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (metrics) => metrics.tenant }),
    since: t.expose('since', { type: 'DateTime', nullable: true, description: 'null: every retained query' }),
    queryCount: t.exposeInt('queryCount'),
    successful: t.exposeInt('successful'),
    failed: t.exposeInt('failed'),
    successRate: t.exposeFloat('successRate', { nullable: true, description: 'successful / queryCount, 0 to 1; null without queries' }),
    latency: t.field({ type: QueryLatencyRef, resolve: (metrics) => metrics.latency }),
  }),
});
