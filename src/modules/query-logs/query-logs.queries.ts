import { builder } from '../../graphql/builder.js';
import { listQueryLogs, maxLogPage, queryLogStats, queryMetrics } from './query-logs.service.js';
import { QueryLogFilterInput, QueryLogPageRef, QueryLogStatsRef, QueryMetricsRef } from './query-logs.types.js';

builder.queryField('tenantQueryLogs', (t) =>
  t.field({
    type: QueryLogPageRef,
    description: "A tenant's logged database queries, newest first",
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      limit: t.arg.int({ required: false, description: `1 to ${maxLogPage}; 50 by default` }),
      offset: t.arg.int({ required: false }),
      filter: t.arg({ type: QueryLogFilterInput, required: false }),
    },
    resolve: (_root, args, ctx) => listQueryLogs(ctx, String(args.tenant), args, args.filter ?? {}, ctx.queryLogs),
  }),
);

builder.queryField('tenantQueryStats', (t) =>
  t.field({
    type: QueryLogStatsRef,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    resolve: (_root, args, ctx) => queryLogStats(ctx, String(args.tenant), ctx.queryLogs),
  }),
);

builder.queryField('tenantQueryMetrics', (t) =>
  t.field({
    type: QueryMetricsRef,
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), since: t.arg({ type: 'DateTime', required: false }) },
    resolve: (_root, args, ctx) => queryMetrics(ctx, String(args.tenant), args.since),
  }),
);
