import { builder } from '../../graphql/builder.js';
import { TenantRef } from '../tenants/tenants.types.js';
import { findSchemaRollout, listSchemaRollouts, tenantSchemaRollouts } from './schema-rollouts.service.js';
import { SchemaRolloutRef, TenantSchemaRolloutRef } from './schema-rollouts.types.js';

builder.queryField('schemaRollouts', (t) =>
  t.field({
    type: [SchemaRolloutRef],
    description: "The caller's project's deployments (TenantsDB), newest first, up to 100",
    resolve: (_root, _args, ctx) => listSchemaRollouts(ctx),
  }),
);

builder.queryField('schemaRollout', (t) =>
  t.field({
    type: SchemaRolloutRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => findSchemaRollout(ctx, String(args.id)),
  }),
);

const TenantSchemaRolloutsRef = builder.objectRef<Awaited<ReturnType<typeof tenantSchemaRollouts>>>('TenantSchemaRollouts').implement({
  fields: (t) => ({
    tenant: t.field({ type: TenantRef, resolve: (history) => history.tenant }),
    results: t.field({ type: [TenantSchemaRolloutRef], resolve: (history) => history.results }),
  }),
});

builder.queryField('tenantSchemaRollouts', (t) =>
  t.field({
    type: TenantSchemaRolloutsRef,
    description: "The deployments that reached a tenant's databases, newest first",
    args: {
      tenant: t.arg.id({ required: true, description: 'UUID or slug' }),
      limit: t.arg.int({ required: false, description: '1 to 1000; all by default' }),
    },
    resolve: (_root, args, ctx) => tenantSchemaRollouts(ctx, String(args.tenant), args.limit),
  }),
);
