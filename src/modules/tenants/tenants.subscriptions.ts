import { builder } from '../../graphql/builder.js';
import { changesOf } from '../../graphql/subscriptions.js';
import type { Tenant } from '../../generated/prisma/client.js';
import { resolveTenant } from '../../kernel/tenant-access.js';
import { TenantRef } from './tenants.types.js';

builder.subscriptionField('tenantStateChanged', (t) =>
  t.field({
    type: TenantRef,
    description:
      'The tenant each time its status changes (suspended, resumed, restoring…), by any replica, job or hand (GraphQL over SSE). Needs tenants:read; ends with NOT_FOUND when the tenant is deleted, and with UNAUTHENTICATED when the key is revoked or expires',
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    subscribe: (_root, args, ctx) =>
      changesOf<Tenant>(
        ctx,
        { tenant: String(args.tenant), tenantId: (tenant) => tenant.id, tables: ['Tenant'] },
        (tenant) => resolveTenant<Tenant>(ctx, tenant, 'tenants:read'),
        (tenant) => tenant.status,
      ),
    resolve: (tenant) => tenant,
  }),
);
