import { z } from 'zod';
import { ControlCoreAlertsDocument } from '../../../generated/graphql/graphql.js';
import { defineRoute, type Route } from '../../types.js';
import { tenantContext, tenantScoped } from './tenant-context.js';
import { isoSeconds } from './tenants.routes.js';

const alerts = defineRoute(ControlCoreAlertsDocument, {
  method: 'GET',
  path: '/tenants/{tenant_id}/alerts',
  summary: "The tenant's usage alerts, newest first: policy and bouncer limits (80 % warning, 100 % critical) and resource limits",
  ...tenantScoped,
  variables: (request) => ({ context: tenantContext(request) }),
  respond: (data) => ({
    status: 200,
    body: data.tenantAlerts.map((alert) => ({
      id: alert.id,
      type: alert.type,
      severity: alert.severity.toLowerCase(),
      message: alert.message,
      created_at: isoSeconds(alert.createdAt),
      resolved_at: alert.resolvedAt ? isoSeconds(alert.resolvedAt) : null,
    })),
  }),
  success: {
    status: 200,
    description: 'The alerts',
    schema: z.array(
      z.object({
        id: z.string(),
        type: z.literal('usage_limit'),
        severity: z.enum(['warning', 'critical']),
        message: z.string(),
        created_at: z.string(),
        resolved_at: z.string().nullable(),
      }),
    ),
  },
});

/** GET /tenants/{tenant_id}/alerts. */
export const alertRoutes: Route[] = [alerts];
