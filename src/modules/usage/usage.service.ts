import type { Tenant } from '../../generated/prisma/client.js';
import { InvalidInputError } from '../../lib/errors.js';
import type { Actor } from '../../kernel/principal.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import { callStats } from './call-stats.js';
import { type CallStat, latencyBucketsMs, type UsageMeter } from './meter.js';
import { bucketStart, type Granularity, isoDate, parseMonth } from './periods.js';

export type ResourceAmount = { name: string; resource: string; metric: string; amount: number };

/** `llm`/`tokens` is reported as `llm_tokens`, as the gateway tenant API's usage summary names it. */
export function resourceName(resource: string, metric: string): string {
  return `${resource}_${metric}`;
}

async function resourceTotals(actor: Actor, meter: UsageMeter, tenantId: string, start: Date, end: Date): Promise<ResourceAmount[]> {
  const groups = await actor.prisma.usageRecord.groupBy({
    by: ['resource', 'metric'],
    where: { tenantId, recordedAt: { gte: start, lt: end } },
    _sum: { amount: true },
  });
  const totals = new Map<string, ResourceAmount>();
  const add = (resource: string, metric: string, amount: number) => {
    const name = resourceName(resource, metric);
    const entry = totals.get(name) ?? { name, resource, metric, amount: 0 };
    entry.amount += amount;
    totals.set(name, entry);
  };
  for (const group of groups) add(group.resource, group.metric, group._sum.amount ?? 0);
  for (const entry of meter.pendingResources(tenantId)) if (entry.minute >= start && entry.minute < end) add(entry.resource, entry.metric, entry.amount);
  return [...totals.values()].sort((a, b) => a.resource.localeCompare(b.resource) || a.metric.localeCompare(b.metric));
}

export type UsageSummary = { tenant: Tenant; period: string; apiCalls: number; resources: ResourceAmount[] };

export async function usageSummary(actor: Actor, meter: UsageMeter, ref: string | null, period?: string | null): Promise<UsageSummary> {
  const tenant = await resolveTenant(actor, ref, 'usage:read');
  const month = parseMonth(period);
  const [stats, resources] = await Promise.all([
    callStats(actor, meter, tenant.id, month.start, month.end),
    resourceTotals(actor, meter, tenant.id, month.start, month.end),
  ]);
  return { tenant, period: month.label, apiCalls: stats.reduce((sum, stat) => sum + stat.calls, 0), resources };
}

export type UsageDay = { date: string; apiCalls: number; resources: ResourceAmount[] };

/** One entry per day of the period that saw any usage, oldest first. */
export async function usageHistory(actor: Actor, meter: UsageMeter, ref: string | null, period?: string | null): Promise<UsageDay[]> {
  const tenant = await resolveTenant(actor, ref, 'usage:read');
  const month = parseMonth(period);
  const [stats, records] = await Promise.all([
    callStats(actor, meter, tenant.id, month.start, month.end),
    // Summed per UTC day in SQL: a month of tracks can be millions of rows.
    actor.prisma.$queryRaw<{ day: Date; resource: string; metric: string; amount: number }[]>`
      SELECT date_trunc('day', "recordedAt") AS day, resource, metric, SUM(amount)::float8 AS amount
      FROM "UsageRecord"
      WHERE "tenantId" = ${tenant.id}::uuid AND "recordedAt" >= ${month.start} AND "recordedAt" < ${month.end}
      GROUP BY 1, 2, 3`,
  ]);
  const days = new Map<string, { apiCalls: number; resources: Map<string, ResourceAmount> }>();
  const day = (date: string) => {
    let entry = days.get(date);
    if (!entry) days.set(date, (entry = { apiCalls: 0, resources: new Map() }));
    return entry;
  };
  for (const stat of stats) day(isoDate(stat.hour)).apiCalls += stat.calls;
  const pending = meter
    .pendingResources(tenant.id)
    .filter((entry) => entry.minute >= month.start && entry.minute < month.end)
    .map((entry) => ({ day: entry.minute, resource: entry.resource, metric: entry.metric, amount: entry.amount }));
  for (const record of [...records, ...pending]) {
    const resources = day(isoDate(new Date(record.day))).resources;
    const name = resourceName(record.resource, record.metric);
    const entry = resources.get(name) ?? { name, resource: record.resource, metric: record.metric, amount: 0 };
    entry.amount += record.amount;
    resources.set(name, entry);
  }
  return [...days.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([date, entry]) => ({ date, apiCalls: entry.apiCalls, resources: [...entry.resources.values()].sort((a, b) => a.name.localeCompare(b.name)) }));
}

export type CallMetrics = { calls: number; failures: number; successRate: number; averageLatencyMs: number; p95LatencyMs: number };

/** p95 as the upper bound of the histogram bucket holding the 95th percentile: never an underestimate. */
function summarize(stats: Pick<CallStat, 'calls' | 'failures' | 'latencyMsSum' | 'latencyBuckets'>[]): CallMetrics {
  const calls = stats.reduce((sum, stat) => sum + stat.calls, 0);
  const failures = stats.reduce((sum, stat) => sum + stat.failures, 0);
  const latency = stats.reduce((sum, stat) => sum + stat.latencyMsSum, 0);
  const buckets = latencyBucketsMs.map((_bound, index) => stats.reduce((sum, stat) => sum + (stat.latencyBuckets[index] ?? 0), 0));
  let p95 = 0;
  let seen = 0;
  for (const [index, count] of buckets.entries()) {
    seen += count;
    if (calls > 0 && seen >= 0.95 * calls) {
      p95 = Math.min(latencyBucketsMs[index]!, latencyBucketsMs.at(-2)!);
      break;
    }
  }
  return {
    calls,
    failures,
    successRate: calls ? (calls - failures) / calls : 1,
    averageLatencyMs: calls ? latency / calls : 0,
    p95LatencyMs: p95,
  };
}

export type UsageMetrics = CallMetrics & {
  from: Date;
  to: Date;
  granularity: Granularity;
  byEndpoint: (CallMetrics & { endpoint: string })[];
  series: (CallMetrics & { start: Date })[];
};

export async function usageMetrics(
  actor: Actor,
  meter: UsageMeter,
  ref: string | null,
  range: { from: Date; to: Date; granularity: Granularity },
): Promise<UsageMetrics> {
  const tenant = await resolveTenant(actor, ref, 'usage:read');
  if (range.to <= range.from) throw new InvalidInputError([{ field: 'to', rule: 'order', message: 'to must be after from' }]);
  if (range.to.getTime() - range.from.getTime() > 400 * 86_400_000) {
    throw new InvalidInputError([{ field: 'to', rule: 'range', message: 'A metrics range covers at most 400 days' }]);
  }
  const stats = await callStats(actor, meter, tenant.id, bucketStart(range.from, 'HOUR'), range.to);
  const group = <K>(key: (stat: CallStat) => K) => {
    const groups = new Map<K, CallStat[]>();
    for (const stat of stats) groups.set(key(stat), [...(groups.get(key(stat)) ?? []), stat]);
    return groups;
  };
  return {
    from: range.from,
    to: range.to,
    granularity: range.granularity,
    ...summarize(stats),
    byEndpoint: [...group((stat) => stat.endpoint).entries()]
      .map(([endpoint, entries]) => ({ endpoint, ...summarize(entries) }))
      .sort((a, b) => b.calls - a.calls || a.endpoint.localeCompare(b.endpoint)),
    series: [...group((stat) => bucketStart(stat.hour, range.granularity).getTime()).entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, entries]) => ({ start: new Date(start), ...summarize(entries) })),
  };
}
