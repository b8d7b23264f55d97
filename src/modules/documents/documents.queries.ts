import { builder } from '../../graphql/builder.js';
import { listUsageAlerts } from '../usage/limits.service.js';
import { TenantContextInput } from '../tenants/tenant-context.types.js';
import { documentAlertMessage } from './document-alerts.js';
import { listDocumentAlerts, listDocuments } from './documents.service.js';
import { DocumentKindEnum, type TenantAlert, TenantAlertRef, TenantDocumentRef } from './documents.types.js';

builder.queryField('tenantDocuments', (t) =>
  t.prismaField({
    description: 'The policies, resources or bouncers of the tenant the context names, oldest first (up to 1,000)',
    type: [TenantDocumentRef],
    args: { context: t.arg({ type: TenantContextInput, required: true }), kind: t.arg({ type: DocumentKindEnum, required: true }) },
    resolve: (query, _root, { context, kind }, ctx) => listDocuments(ctx, context, kind, query),
  }),
);

builder.queryField('tenantAlerts', (t) =>
  t.field({
    description: "The tenant's usage alerts, newest first: its resource limits' and its policy and bouncer limits'",
    type: [TenantAlertRef],
    args: { context: t.arg({ type: TenantContextInput, required: true }) },
    resolve: async (_root, { context }, ctx) => {
      const { tenant, alerts } = await listDocumentAlerts(ctx, context);
      const usage = await listUsageAlerts(ctx, tenant.id, null, { include: { limit: true } }, ctx.meter);
      const merged: TenantAlert[] = [
        ...alerts.map((alert) => ({
          id: alert.id,
          type: 'usage_limit' as const,
          severity: alert.level,
          message: documentAlertMessage(alert),
          createdAt: alert.createdAt,
          resolvedAt: alert.resolvedAt,
        })),
        ...usage.map((alert) => {
          const { resource, metric } = (alert as typeof alert & { limit: { resource: string; metric: string } }).limit;
          const message = `${alert.level === 'WARNING' ? 'Approaching' : 'Reached'} ${resource} ${metric} limit (${alert.level === 'WARNING' ? 80 : 100}% of ${alert.threshold})`;
          return { id: alert.id, type: 'usage_limit' as const, severity: alert.level, message, createdAt: alert.createdAt, resolvedAt: alert.resolvedAt };
        }),
      ];
      return merged.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    },
  }),
);
