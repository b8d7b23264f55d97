import { builder } from '../../graphql/builder.js';
import type { TenantMetrics } from './tenant-metrics.service.js';
import { Granularity } from './usage.types.js';

const count = (name: string, fields: readonly string[]) =>
  builder.objectRef<Record<string, number>>(name).implement({ fields: (t) => Object.fromEntries(fields.map((field) => [field, t.exposeInt(field)])) });

const PolicyCountsRef = count('PolicyCounts', ['total', 'active', 'sandbox']);
const BouncerCountsRef = count('BouncerCounts', ['total', 'active', 'requestsPerMinute']);
const UserCountsRef = count('UserCounts', ['total', 'active']);

const EndpointCallsRef = builder.objectRef<TenantMetrics['apiCalls']['byEndpoint'][number]>('EndpointCalls').implement({
  fields: (t) => ({
    endpoint: t.exposeString('endpoint', { description: 'The route template under the Control Core prefix (`/policies`), or `graphql <operation>`' }),
    calls: t.exposeInt('calls'),
  }),
});

const ApiCallTotalsRef = builder.objectRef<TenantMetrics['apiCalls']>('ApiCallTotals').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    byEndpoint: t.expose('byEndpoint', { type: [EndpointCallsRef] }),
  }),
});

const MetricsPeriodRef = builder.objectRef<TenantMetrics['period']>('MetricsPeriod').implement({
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime' }),
    end: t.expose('end', { type: 'DateTime', description: 'Inclusive' }),
  }),
});

const CallBucketRef = builder.objectRef<TenantMetrics['series'][number]>('CallBucket').implement({
  fields: (t) => ({ start: t.expose('start', { type: 'DateTime' }), calls: t.exposeInt('calls') }),
});

export const TenantMetricsRef = builder.objectRef<TenantMetrics>('TenantMetrics').implement({
  description: "A tenant's Control Core metrics over a period: metered API calls and resource counts",
  fields: (t) => ({
    apiCalls: t.expose('apiCalls', { type: ApiCallTotalsRef }),
    policies: t.field({ type: PolicyCountsRef, resolve: (metrics) => metrics.policies }),
    bouncers: t.field({ type: BouncerCountsRef, resolve: (metrics) => metrics.bouncers }),
    users: t.field({ type: UserCountsRef, resolve: (metrics) => metrics.users }),
    period: t.expose('period', { type: MetricsPeriodRef }),
    granularity: t.expose('granularity', { type: Granularity }),
    series: t.expose('series', { type: [CallBucketRef], description: 'Calls per bucket of the granularity, oldest first; empty buckets left out' }),
  }),
});
