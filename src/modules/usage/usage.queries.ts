import { builder } from '../../graphql/builder.js';

export const tenantRef = (value: string | number | null | undefined) => (value == null ? null : String(value));
import { checkResource, listResourceLimits, listUsageAlerts, resourceUsage } from './limits.service.js';
import { usageHistory, usageMetrics, usageSummary } from './usage.service.js';
import {
  AlertStatus,
  Granularity,
  LimitUsageRef,
  ResourceCheckRef,
  ResourceLimitRef,
  UsageAlertRef,
  UsageDayRef,
  UsageMetricsRef,
  UsageSummaryRef,
} from './usage.types.js';

const tenantArg = (t: Parameters<Parameters<typeof builder.queryField>[1]>[0]) =>
  t.arg.id({ required: false, description: "UUID or slug; a tenant key's own tenant when absent" });

builder.queryField('usageSummary', (t) =>
  t.field({
    type: UsageSummaryRef,
    args: { tenant: tenantArg(t), period: t.arg.string({ required: false, description: 'YYYY-MM (UTC); the current month by default' }) },
    resolve: (_root, args, ctx) => usageSummary(ctx, ctx.meter, tenantRef(args.tenant), args.period),
  }),
);

builder.queryField('usageHistory', (t) =>
  t.field({
    type: [UsageDayRef],
    description: 'Daily usage over a month, oldest first; days without usage are left out',
    args: { tenant: tenantArg(t), period: t.arg.string({ required: false, description: 'YYYY-MM (UTC); the current month by default' }) },
    resolve: (_root, args, ctx) => usageHistory(ctx, ctx.meter, tenantRef(args.tenant), args.period),
  }),
);

builder.queryField('usageMetrics', (t) =>
  t.field({
    type: UsageMetricsRef,
    description: 'API call metrics over a range: totals, by endpoint, and a series by granularity',
    args: {
      tenant: tenantArg(t),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      granularity: t.arg({ type: Granularity, required: false, defaultValue: 'DAY' }),
    },
    resolve: (_root, args, ctx) =>
      usageMetrics(ctx, ctx.meter, tenantRef(args.tenant), { from: args.from, to: args.to, granularity: args.granularity ?? 'DAY' }),
  }),
);

builder.queryField('resourceLimits', (t) =>
  t.prismaField({
    type: [ResourceLimitRef],
    args: { tenant: tenantArg(t) },
    resolve: async (query, _root, args, ctx) => (await listResourceLimits(ctx, tenantRef(args.tenant), query)).limits,
  }),
);

builder.queryField('resourceUsage', (t) =>
  t.field({
    type: [LimitUsageRef],
    description: "Usage against each of the tenant's limits, for the tenant or for one user",
    args: { tenant: tenantArg(t), userId: t.arg.string({ required: false }) },
    resolve: (_root, args, ctx) => resourceUsage(ctx, tenantRef(args.tenant), args.userId, ctx.meter),
  }),
);

export const ResourceAmountInput = builder.inputType('ResourceAmountInput', {
  fields: (t) => ({
    resource: t.string({ required: true, description: 'e.g. llm, storage, bandwidth, workflow' }),
    metric: t.string({ required: true, description: 'e.g. tokens, bytes, count' }),
    amount: t.float({ required: true, description: 'A whole number ≥ 0' }),
    userId: t.string({ required: false }),
    idempotencyKey: t.string({ required: false, description: 'A retried track with the same key is counted once' }),
  }),
});

builder.queryField('checkResource', (t) =>
  t.field({
    type: ResourceCheckRef,
    description: 'Whether an amount would be allowed now; counts nothing',
    args: { tenant: tenantArg(t), input: t.arg({ type: ResourceAmountInput, required: true }) },
    resolve: (_root, args, ctx) => checkResource(ctx, tenantRef(args.tenant), args.input, ctx.meter),
  }),
);

builder.queryField('usageAlerts', (t) =>
  t.prismaField({
    type: [UsageAlertRef],
    args: { tenant: tenantArg(t), status: t.arg({ type: AlertStatus, required: false }) },
    resolve: (query, _root, args, ctx) => listUsageAlerts(ctx, tenantRef(args.tenant), args.status, query, ctx.meter),
  }),
);
