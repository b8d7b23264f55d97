import { builder } from '../../graphql/builder.js';
import { changesOf } from '../../graphql/subscriptions.js';
import type { TenantConfig } from '../../generated/prisma/client.js';
import { getTenantConfig } from './configs.service.js';
import { TenantConfigRef } from './configs.types.js';

builder.subscriptionField('tenantConfigChanged', (t) =>
  t.field({
    type: TenantConfigRef,
    description:
      "The tenant's configuration each time a new version is committed, by any replica, job or hand (GraphQL over SSE: `Accept: text/event-stream`). Needs config:read; ends when the key is revoked or expires",
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }) },
    subscribe: (_root, args, ctx) =>
      changesOf<TenantConfig>(
        ctx,
        { tenant: String(args.tenant), tenantId: (config) => config.tenantId, tables: ['TenantConfig', 'Tenant'] },
        (tenant) => getTenantConfig(ctx, tenant),
        (config) => String(config.version),
      ),
    resolve: (config) => config,
  }),
);
