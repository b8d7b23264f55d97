import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { tenantMetrics } from './tenant-metrics.service.js';
import { TenantMetricsRef } from './tenant-metrics.types.js';

builder.queryField('tenantMetrics', (t) =>
  t.field({
    type: TenantMetricsRef,
    description: 'Control Core tenant metrics; the period defaults to the current calendar month',
    args: {
      ...tenantArgs(t),
      startDate: t.arg.string({ required: false, description: 'ISO 8601 date or date-time' }),
      endDate: t.arg.string({ required: false, description: 'ISO 8601 date (its whole day) or date-time; inclusive' }),
      granularity: t.arg.string({ required: false, description: 'hour, day (default), week or month' }),
    },
    resolve: (_root, args, ctx) => tenantMetrics(ctx, ctx.meter, ctx.controlCorePrefix, tenantRefFrom(args), args),
  }),
);
