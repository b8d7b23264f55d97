import { builder } from '../../graphql/builder.js';
import { setResourceLimits, trackUsage } from './limits.service.js';
import { ResourceAmountInput, tenantRef } from './usage.queries.js';
import { GateAction, LimitPeriod, ResourceLimitRef, TrackUsageResultRef } from './usage.types.js';

const ResourceLimitInput = builder.inputType('ResourceLimitInput', {
  fields: (t) => ({
    resource: t.string({ required: true }),
    metric: t.string({ required: true }),
    period: t.field({ type: LimitPeriod, required: true }),
    limit: t.float({ required: true, description: 'The default limit (a whole number ≥ 0)' }),
    tiers: t.field({ type: 'JSONObject', required: false, description: 'Per-tier limits: {"free": 10, "pro": 100}' }),
    gateAction: t.field({ type: GateAction, required: false, description: 'BLOCK by default' }),
  }),
});

builder.mutationField('setResourceLimits', (t) =>
  t.prismaField({
    type: [ResourceLimitRef],
    description: "Replace the tenant's resource limit definitions with this list",
    args: {
      tenant: t.arg.id({ required: false, description: "UUID or slug; a tenant key's own tenant when absent" }),
      limits: t.arg({ type: [ResourceLimitInput], required: true }),
    },
    resolve: async (query, _root, args, ctx) =>
      (await setResourceLimits(ctx, tenantRef(args.tenant), args.limits as Parameters<typeof setResourceLimits>[2], query)).limits,
  }),
);

builder.mutationField('trackUsage', (t) =>
  t.field({
    type: TrackUsageResultRef,
    description: 'Count usage of a resource; refused (RATE_LIMITED, nothing counted) when a blocking limit would be exceeded',
    args: {
      tenant: t.arg.id({ required: false, description: "UUID or slug; a tenant key's own tenant when absent" }),
      input: t.arg({ type: ResourceAmountInput, required: true }),
    },
    resolve: (_root, args, ctx) => trackUsage(ctx, tenantRef(args.tenant), args.input, ctx.meter),
  }),
);
