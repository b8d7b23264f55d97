import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../gateway-db/client.js';
import type { OperationObserver } from '../graphql/operation-metrics.js';
import type { ResponseCache } from '../graphql/response-cache-store.js';
import type { UsageMeter } from '../modules/usage/meter.js';
import { droppedLogLines } from '../lib/logger.js';

const seconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The gateway's Prometheus metrics (prom-client), one registry per app: request durations per
 * route template and per GraphQL operation, errors by code, rate-limit refusals, backup
 * durations and outcomes, scheduler leadership, SQL statements, and Node's process and
 * event-loop metrics.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = {
    registry,
    httpDuration: new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'HTTP requests by route template (REST), /graphql or the gateway path, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: seconds,
      registers: [registry],
    }),
    operationDuration: new Histogram({
      name: 'gateway_graphql_operation_duration_seconds',
      help: 'GraphQL executions: a REST route by its template, every /graphql operation as "graphql"; and whether they had errors',
      labelNames: ['operation', 'outcome'] as const,
      buckets: seconds,
      registers: [registry],
    }),
    errors: new Counter({ name: 'gateway_errors_total', help: 'Errors answered, by taxonomy code', labelNames: ['code'] as const, registers: [registry] }),
    rateLimited: new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused by a rate limit, by policy',
      labelNames: ['policy'] as const,
      registers: [registry],
    }),
    backupDuration: new Histogram({
      name: 'gateway_backup_duration_seconds',
      help: 'Backups written, by trigger and outcome',
      labelNames: ['trigger', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    sqlStatements: new Counter({ name: 'gateway_sql_statements_total', help: 'SQL statements sent to the database', registers: [registry] }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** A gauge read when scraped. */
export function gaugeOf(metrics: Metrics, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [metrics.registry],
    collect() {
      this.set(read());
    },
  });
}

export async function metricsResponse(metrics: Metrics): Promise<Response> {
  return new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } });
}

const knownPolicies = /^(ip|ip-ban|tier-\w+|backups-\w+|(Query|Mutation)\.\w+)$/;

/** What GraphQL executions tell the metrics: durations by operation, errors by code, rate-limit refusals by policy. */
export function operationObserver(metrics: Metrics): Omit<OperationObserver, 'tenant' | 'answered'> {
  return {
    operation: (name, outcome, seconds) => metrics.operationDuration.observe({ operation: name, outcome }, seconds),
    error: (code, policy) => {
      metrics.errors.inc({ code });
      // Tenants name their own resource limits: those policies are one label, the gateway's own keep theirs.
      if (code === 'RATE_LIMITED') metrics.rateLimited.inc({ policy: policy && knownPolicies.test(policy) ? policy : 'resource-limit' });
    },
  };
}

/** SQL statements as they are sent, and the workers' state when scraped. */
export function watchWorkers(
  metrics: Metrics,
  {
    database,
    meter,
    backupSchedule,
    responseCache,
  }: { database: Database; meter: UsageMeter; backupSchedule: { leading(): boolean; rounds(): number } | null; responseCache?: ResponseCache },
): () => void {
  const countStatement = () => metrics.sqlStatements.inc();
  database.onQuery.add(countStatement);
  gaugeOf(metrics, 'gateway_usage_buffered_keys', 'API calls counted in memory, not yet written', () => meter.bufferedKeys);
  gaugeOf(metrics, 'gateway_backup_scheduler_leader', '1 while this process runs the backup schedule', () => (backupSchedule?.leading() ? 1 : 0));
  if (responseCache) {
    const counts = responseCache.counts;
    gaugeOf(metrics, 'gateway_response_cache_hits_total', 'Answers served from the response cache', () => counts.hits);
    gaugeOf(metrics, 'gateway_response_cache_misses_total', 'Cacheable lookups that found nothing usable', () => counts.misses);
    gaugeOf(metrics, 'gateway_response_cache_invalidated_total', 'Answers dropped because a change to them was heard', () => counts.invalidated);
    gaugeOf(metrics, 'gateway_response_cache_parsed_total', 'Hits served from an answer kept as text (its object had been let go)', () => counts.parsed);
    gaugeOf(metrics, 'gateway_response_cache_evicted_total', 'Answers dropped to stay within RESPONSE_CACHE_MAX_MB', () => counts.evicted);
    gaugeOf(metrics, 'gateway_response_cache_bytes', 'Bytes the response cache holds (estimated)', () => responseCache.bytes);
    gaugeOf(metrics, 'gateway_response_cache_entries', 'Answers the response cache holds', () => responseCache.size);
  }
  gaugeOf(metrics, 'gateway_backup_scheduler_rounds_total', 'Backup schedule rounds this process ran', () => backupSchedule?.rounds() ?? 0);
  gaugeOf(metrics, 'gateway_log_lines_dropped_total', "Log lines not written: stderr's reader stuck (16 MiB queued) or gone", droppedLogLines);
  return () => {
    database.onQuery.delete(countStatement);
    metrics.registry.clear();
  };
}
