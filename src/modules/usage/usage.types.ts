import { type BuilderTypes, builder } from '../../graphql/builder.js';
import { TenantRef } from '../tenants/tenants.types.js';
import { effectiveLimit, type LimitUsage } from './limit-usage.js';
import type { Decision, TrackResult } from './limits.service.js';
import type { CallMetrics, ResourceAmount, UsageDay, UsageMetrics, UsageSummary } from './usage.service.js';

export const LimitPeriod = builder.enumType('LimitPeriod', { values: ['MINUTE', 'HOUR', 'DAY', 'MONTH'] as const });
export const GateAction = builder.enumType('GateAction', {
  values: { BLOCK: { description: 'Refuse what would exceed the limit' }, WARN: { description: 'Allow, and raise alerts' } } as const,
});
export const Granularity = builder.enumType('Granularity', { values: ['HOUR', 'DAY', 'WEEK', 'MONTH'] as const });
const LimitScope = builder.enumType('LimitScope', { values: ['TENANT', 'USER'] as const });
export const AlertLevel = builder.enumType('AlertLevel', { values: ['WARNING', 'CRITICAL'] as const });
export const AlertStatus = builder.enumType('AlertStatus', { values: ['ACTIVE', 'RESOLVED'] as const });

const ResourceAmountRef = builder.objectRef<ResourceAmount>('ResourceAmount').implement({
  fields: (t) => ({
    name: t.exposeString('name', { description: 'resource_metric, e.g. llm_tokens' }),
    resource: t.exposeString('resource'),
    metric: t.exposeString('metric'),
    amount: t.exposeFloat('amount'),
  }),
});

function amountOf(resources: ResourceAmount[], name: string): number {
  return resources.find((entry) => entry.name === name)?.amount ?? 0;
}

export const UsageSummaryRef = builder.objectRef<UsageSummary>('UsageSummary').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (summary) => summary.tenant }),
    period: t.exposeString('period', { description: 'YYYY-MM (UTC)' }),
    apiCalls: t.exposeFloat('apiCalls', { description: 'GraphQL operations and REST calls metered by the gateway' }),
    llmTokens: t.float({ resolve: (summary) => amountOf(summary.resources, 'llm_tokens') }),
    storageBytes: t.float({ resolve: (summary) => amountOf(summary.resources, 'storage_bytes') }),
    bandwidthBytes: t.float({ resolve: (summary) => amountOf(summary.resources, 'bandwidth_bytes') }),
    resources: t.field({ type: [ResourceAmountRef], description: 'Every tracked resource, including the ones above', resolve: (summary) => summary.resources }),
  }),
});

export const UsageDayRef = builder.objectRef<UsageDay>('UsageDay').implement({
  fields: (t) => ({
    date: t.exposeString('date', { description: 'YYYY-MM-DD (UTC)' }),
    apiCalls: t.exposeFloat('apiCalls'),
    llmTokens: t.float({ resolve: (day) => amountOf(day.resources, 'llm_tokens') }),
    resources: t.field({ type: [ResourceAmountRef], resolve: (day) => day.resources }),
  }),
});

const callMetricFields = <T extends CallMetrics>(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>) => ({
  calls: t.float({ resolve: (metrics) => metrics.calls }),
  failures: t.float({ resolve: (metrics) => metrics.failures }),
  successRate: t.float({ description: 'Share of calls without an error, 0 to 1', resolve: (metrics) => metrics.successRate }),
  averageLatencyMs: t.float({ resolve: (metrics) => metrics.averageLatencyMs }),
  p95LatencyMs: t.float({ description: 'Upper bound of the latency bucket holding the 95th percentile', resolve: (metrics) => metrics.p95LatencyMs }),
});

const EndpointMetricsRef = builder.objectRef<CallMetrics & { endpoint: string }>('EndpointMetrics').implement({
  fields: (t) => ({ endpoint: t.exposeString('endpoint'), ...callMetricFields(t) }),
});

const MetricsBucketRef = builder.objectRef<CallMetrics & { start: Date }>('MetricsBucket').implement({
  fields: (t) => ({ start: t.expose('start', { type: 'DateTime' }), ...callMetricFields(t) }),
});

export const UsageMetricsRef = builder.objectRef<UsageMetrics>('UsageMetrics').implement({
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime' }),
    to: t.expose('to', { type: 'DateTime' }),
    granularity: t.expose('granularity', { type: Granularity }),
    ...callMetricFields(t),
    byEndpoint: t.field({ type: [EndpointMetricsRef], resolve: (metrics) => metrics.byEndpoint }),
    series: t.field({ type: [MetricsBucketRef], resolve: (metrics) => metrics.series }),
  }),
});

export const ResourceLimitRef = builder.prismaObject('ResourceLimit', {
  fields: (t) => ({
    id: t.exposeID('id'),
    resource: t.exposeString('resource'),
    metric: t.exposeString('metric'),
    period: t.expose('period', { type: LimitPeriod }),
    limit: t.exposeFloat('limit', { description: 'The default limit' }),
    tiers: t.field({
      type: 'JSONObject',
      description: 'Per-tier limits by lowercase tier name',
      resolve: (limit) => (limit.tiers ?? {}) as Record<string, unknown>,
    }),
    gateAction: t.expose('gateAction', { type: GateAction }),
    effectiveLimit: t.float({
      description: "The limit for the tenant's current tier",
      select: { tenant: { select: { tier: true } } },
      resolve: (limit) => effectiveLimit(limit, limit.tenant.tier),
    }),
  }),
});

export const LimitUsageRef = builder.objectRef<LimitUsage>('LimitUsage').implement({
  fields: (t) => ({
    resource: t.string({ resolve: (usage) => usage.limit.resource }),
    metric: t.string({ resolve: (usage) => usage.limit.metric }),
    period: t.field({ type: LimitPeriod, resolve: (usage) => usage.limit.period }),
    gateAction: t.field({ type: GateAction, resolve: (usage) => usage.limit.gateAction }),
    current: t.exposeFloat('current'),
    limit: t.exposeFloat('effectiveLimit'),
    percentage: t.exposeFloat('percentage'),
    scope: t.expose('scope', { type: LimitScope }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime' }),
  }),
});

const decisionFields = <T extends Decision>(t: PothosSchemaTypes.ObjectFieldBuilder<BuilderTypes, T>) => ({
  allowed: t.boolean({ resolve: (decision) => decision.allowed }),
  gateAction: t.field({ type: GateAction, nullable: true, resolve: (decision) => decision.gateAction }),
  current: t.float({ description: 'Current usage against the deciding limit', resolve: (decision) => decision.current }),
  limit: t.float({ nullable: true, description: 'The deciding limit; null when no limit applies', resolve: (decision) => decision.limit }),
  usage: t.field({ type: [LimitUsageRef], description: 'Every limit on this resource and metric', resolve: (decision) => decision.usage }),
});

export const ResourceCheckRef = builder.objectRef<Decision>('ResourceCheck').implement({ fields: (t) => decisionFields(t) });

export const UsageAlertRef = builder.prismaObject('UsageAlert', {
  fields: (t) => ({
    id: t.exposeID('id'),
    level: t.expose('level', { type: AlertLevel }),
    status: t.expose('status', { type: AlertStatus }),
    userId: t.exposeString('userId', { nullable: true }),
    current: t.exposeFloat('current'),
    threshold: t.exposeFloat('threshold'),
    percentage: t.exposeFloat('percentage'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    resolvedAt: t.expose('resolvedAt', { type: 'DateTime', nullable: true }),
    limit: t.relation('limit'),
  }),
});

export const TrackUsageResultRef = builder.objectRef<TrackResult>('TrackUsageResult').implement({
  fields: (t) => ({
    ...decisionFields(t),
    duplicate: t.exposeBoolean('duplicate', { description: 'The idempotency key was seen before: nothing was counted this time' }),
    alerts: t.field({ type: [UsageAlertRef], description: 'Alerts this call raised', resolve: (result) => result.alerts }),
  }),
});

const PlanLimitsRef = builder.objectRef<{ apiCalls: number; llmTokens: number; storageBytes: number }>('PlanLimits').implement({
  fields: (t) => ({
    apiCalls: t.exposeFloat('apiCalls', { description: 'API calls per month' }),
    llmTokens: t.exposeFloat('llmTokens', { description: 'LLM tokens per month' }),
    storageBytes: t.exposeFloat('storageBytes'),
  }),
});

builder.prismaObjectField(TenantRef, 'planLimits', (t) =>
  t.field({
    type: PlanLimitsRef,
    resolve: (tenant) => ({ apiCalls: tenant.maxApiCallsPerMonth, llmTokens: tenant.maxLlmTokensPerMonth, storageBytes: tenant.maxStorageMb * 1024 * 1024 }),
  }),
);
