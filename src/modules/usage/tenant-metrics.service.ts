import { z } from 'zod';
import { InvalidInputError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import type { Actor } from '../../kernel/principal.js';
import { type TenantResourceCounts, tenantResourceCounts } from '../tenants/tenant-resource-counts.js';
import { resolveTenantRef, type TenantRef } from '../tenants/tenant-ref.js';
import { callStats } from './call-stats.js';
import type { UsageMeter } from './meter.js';
import { bucketStart, type Granularity, granularitySchema, instantSchema, parseMonth } from './periods.js';

export type MetricsInput = { startDate?: string | null; endDate?: string | null; granularity?: string | null };

export type TenantMetrics = TenantResourceCounts & {
  apiCalls: { total: number; byEndpoint: { endpoint: string; calls: number }[] };
  period: { start: Date; end: Date };
  granularity: Granularity;
  series: { start: Date; calls: number }[];
};

const metricsInput = z.object({
  startDate: instantSchema('start_date').nullish(),
  endDate: instantSchema('end_date').nullish(),
  granularity: granularitySchema.nullish().transform((value) => (value ?? 'day').toUpperCase() as Granularity),
});

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
const maxRangeMs = 400 * 86_400_000;

/** The route a metered endpoint served, as callers know it: `GET /api/v1/policies` → `/policies` under `apiPrefix`. */
export function routeKey(endpoint: string, apiPrefix: string): string {
  const route = endpoint.replace(/^(GET|POST|PUT|PATCH|DELETE) /, '');
  return apiPrefix && route.startsWith(`${apiPrefix}/`) ? route.slice(apiPrefix.length) : route;
}

/**
 * Control Core tenant metrics over a period: API calls from metering (in total, by route and
 * per bucket of the granularity) and the tenant's resource counts. The period defaults to the
 * current calendar month; a date alone covers its whole day; the end is inclusive.
 */
export async function tenantMetrics(actor: Actor, meter: UsageMeter, apiPrefix: string, ref: TenantRef, input: MetricsInput): Promise<TenantMetrics> {
  const tenant = await resolveTenantRef(actor, ref, 'usage:read');
  const data = parseInput(metricsInput, input);
  const month = parseMonth(null);
  const start = data.startDate ? new Date(data.startDate) : month.start;
  const end = data.endDate ? new Date(dateOnly.test(data.endDate) ? `${data.endDate}T23:59:59Z` : data.endDate) : new Date(month.end.getTime() - 1_000);
  if (end < start) throw new InvalidInputError([{ field: 'endDate', rule: 'order', message: 'end_date must not be before start_date' }]);
  if (end.getTime() - start.getTime() > maxRangeMs)
    throw new InvalidInputError([{ field: 'endDate', rule: 'range', message: 'A metrics period covers at most 400 days' }]);
  const [stats, counts] = await Promise.all([
    callStats(actor, meter, tenant.id, bucketStart(start, 'HOUR'), new Date(end.getTime() + 1)),
    tenantResourceCounts(actor, tenant.id),
  ]);
  const sum = <K>(key: (stat: (typeof stats)[number]) => K) => {
    const totals = new Map<K, number>();
    for (const stat of stats) totals.set(key(stat), (totals.get(key(stat)) ?? 0) + stat.calls);
    return totals;
  };
  return {
    ...counts,
    apiCalls: {
      total: stats.reduce((total, stat) => total + stat.calls, 0),
      byEndpoint: [...sum((stat) => routeKey(stat.endpoint, apiPrefix)).entries()]
        .map(([endpoint, calls]) => ({ endpoint, calls }))
        .sort((a, b) => b.calls - a.calls || a.endpoint.localeCompare(b.endpoint)),
    },
    period: { start, end },
    granularity: data.granularity,
    series: [...sum((stat) => bucketStart(stat.hour, data.granularity).getTime()).entries()]
      .sort(([a], [b]) => a - b)
      .map(([bucket, calls]) => ({ start: new Date(bucket), calls })),
  };
}
