import { z } from 'zod';
import {
  TenantsDbQueryLogsDocument,
  TenantsDbQueryMetricsDocument,
  TenantsDbQueryStatsDocument,
  type QuerySource,
} from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { envelope, isoSeconds, ok } from './envelope.js';
import { integerParam, oneOfParam, sinceInstant, sinceParam } from './params.js';

/** Durations as the seed shows them: milliseconds to one decimal. */
const ms = (value: number) => Math.round(value * 10) / 10;
const msOrNull = (value: number | null | undefined) => (value == null ? null : ms(value));

export const logsRoute = defineRoute(TenantsDbQueryLogsDocument, {
  method: 'GET',
  path: '/tenants/{id}/logs',
  summary: "The tenant's query log, newest first",
  query: z.object({
    limit: integerParam('limit', 1, 1000).describe('Max results (default 50)'),
    offset: integerParam('offset', 0).describe('Pagination offset'),
    type: oneOfParam('type', ['error', 'slow']).describe('Filter: failed queries (error) or slow ones (slow)'),
    search: z.string().optional().describe('Query text search (case-insensitive; an empty one filters nothing)'),
    source: oneOfParam('source', ['proxy', 'api']).describe('Filter by source: proxy or api'),
    since: sinceParam,
  }),
  variables: ({ params, query }) => ({
    tenant: params.id!,
    limit: query.limit ?? null,
    offset: query.offset ?? null,
    filter: {
      kind: query.type ? (query.type.toUpperCase() as Uppercase<typeof query.type>) : null,
      source: query.source ? (query.source.toUpperCase() as QuerySource) : null,
      search: query.search || null,
      since: sinceInstant(query.since),
    },
  }),
  respond: (data) => {
    const page = data.tenantQueryLogs;
    const logs = page.entries.map((entry) => ({
      query: entry.query,
      source: entry.source.toLowerCase(),
      success: entry.success,
      duration_ms: ms(entry.durationMs),
      ...(entry.error == null ? {} : { error: entry.error }),
      created_at: isoSeconds(entry.createdAt),
    }));
    return ok({ tenant_id: page.tenant.slug, logs, count: logs.length, has_more: page.hasMore });
  },
  success: {
    status: 200,
    description: 'A page of the log',
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      logs: z.array(
        z.object({
          query: z.string(),
          source: z.string(),
          success: z.boolean(),
          duration_ms: z.number(),
          error: z.string().optional(),
          created_at: z.string(),
        }),
      ),
      count: z.number().int(),
      has_more: z.boolean(),
    }),
  },
});

export const logStatsRoute = defineRoute(TenantsDbQueryStatsDocument, {
  method: 'GET',
  path: '/tenants/{id}/logs/stats',
  summary: "Totals over the tenant's retained query log",
  variables: (request) => ({ tenant: request.params.id! }),
  respond: (data) => {
    const stats = data.tenantQueryStats;
    return ok({
      tenant_id: stats.tenant.slug,
      total_queries: stats.totalQueries,
      successful: stats.successful,
      failed: stats.failed,
      by_source: Object.fromEntries(stats.bySource.map(({ source, count }) => [source.toLowerCase(), count])),
      avg_duration_ms: ms(stats.avgDurationMs),
      slow_queries: stats.slowQueries,
    });
  },
  success: {
    status: 200,
    description: 'The totals',
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      total_queries: z.number().int(),
      successful: z.number().int(),
      failed: z.number().int(),
      by_source: z.record(z.string(), z.number().int()),
      avg_duration_ms: z.number(),
      slow_queries: z.number().int(),
    }),
  },
});

export const metricsRoute = defineRoute(TenantsDbQueryMetricsDocument, {
  method: 'GET',
  path: '/tenants/{id}/metrics',
  summary: 'Query count, success rate and latency percentiles (every retained query by default)',
  query: z.object({ since: sinceParam }),
  variables: ({ params, query }) => ({ tenant: params.id!, since: sinceInstant(query.since) }),
  respond: (data) => {
    const metrics = data.tenantQueryMetrics;
    return ok({
      tenant_id: metrics.tenant.slug,
      since: metrics.since == null ? null : isoSeconds(metrics.since),
      query_count: metrics.queryCount,
      successful: metrics.successful,
      failed: metrics.failed,
      success_rate: metrics.successRate == null ? null : Math.round(metrics.successRate * 10_000) / 100,
      latency_ms: {
        avg: msOrNull(metrics.latency.avgMs),
        p50: msOrNull(metrics.latency.p50Ms),
        p95: msOrNull(metrics.latency.p95Ms),
        p99: msOrNull(metrics.latency.p99Ms),
      },
    });
  },
  success: {
    status: 200,
    description: 'The metrics',
    schema: z.object({
      ...envelope,
      tenant_id: z.string(),
      since: z.string().nullable(),
      query_count: z.number().int(),
      successful: z.number().int(),
      failed: z.number().int(),
      success_rate: z.number().nullable().describe('Percent of queries that succeeded; null without queries'),
      latency_ms: z.object({ avg: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() }),
    }),
  },
});
