import { z } from 'zod';
import { ControlCoreMetricsDocument } from '../../../generated/graphql/graphql.js';
import { granularitySchema, instantSchema } from '../../../modules/usage/periods.js';
import { defineRoute, type Route } from '../../types.js';
import { instant } from './instants.js';
import { tenantContext, tenantScoped } from './tenant-context.js';

// Tenant metrics (issue 14). Decisions: README.md, "Operations".

const count = z.number().int();

const metrics = defineRoute(ControlCoreMetricsDocument, {
  method: 'GET',
  path: '/tenants/{tenant_id}/metrics',
  summary: 'API calls by route and resource counts over a period (at most 400 days)',
  ...tenantScoped,
  query: tenantScoped.query.extend({
    start_date: instantSchema('start_date').optional().describe('Start of the period (ISO 8601 date or date-time); the current calendar month by default'),
    end_date: instantSchema('end_date').optional().describe('End of the period, inclusive (a date covers its whole day); not before start_date'),
    granularity: granularitySchema.optional().describe('Width of the series buckets (weeks start on Monday, UTC); day by default'),
  }),
  variables: (request) => ({
    context: tenantContext(request),
    startDate: request.query.start_date ?? null,
    endDate: request.query.end_date ?? null,
    granularity: request.query.granularity ?? null,
  }),
  respond: ({ tenantMetrics: found }) => ({
    status: 200,
    body: {
      metrics: {
        api_calls: { total: found.apiCalls.total, by_endpoint: Object.fromEntries(found.apiCalls.byEndpoint.map((entry) => [entry.endpoint, entry.calls])) },
        policies: found.policies,
        bouncers: { total: found.bouncers.total, active: found.bouncers.active, requests_per_minute: found.bouncers.requestsPerMinute },
        users: found.users,
      },
      period: { start: instant(found.period.start), end: instant(found.period.end) },
      granularity: found.granularity.toLowerCase(),
      series: found.series.map((bucket) => ({ start: instant(bucket.start), api_calls: bucket.calls })),
    },
  }),
  success: {
    status: 200,
    description: 'The metrics',
    schema: z.object({
      metrics: z.object({
        api_calls: z.object({ total: count, by_endpoint: z.record(z.string(), count) }),
        policies: z.object({ total: count, active: count, sandbox: count }),
        bouncers: z.object({ total: count, active: count, requests_per_minute: count }),
        users: z.object({ total: count, active: count }),
      }),
      period: z.object({ start: z.string(), end: z.string() }),
      granularity: z.enum(['hour', 'day', 'week', 'month']),
      series: z.array(z.object({ start: z.string(), api_calls: count })),
    }),
  },
});

export const metricsRoutes: Route[] = [metrics];
