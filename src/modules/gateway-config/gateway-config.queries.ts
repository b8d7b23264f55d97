import { builder } from '../../graphql/builder.js';
import { gatewayConfigHistory, getGatewayConfig } from './gateway-config.service.js';
import { GatewayConfigRef, GatewayConfigRevisionRef } from './gateway-config.types.js';

const tenantArg = { required: false, description: "UUID or slug; the API key's own tenant when absent" } as const;

builder.queryField('gatewayConfig', (t) =>
  t.field({
    description: "The tenant's gateway configuration, every section with its defaults",
    type: GatewayConfigRef,
    args: { tenant: t.arg.id(tenantArg) },
    resolve: (_root, args, ctx) => getGatewayConfig(ctx, args.tenant == null ? null : String(args.tenant)),
  }),
);

builder.queryField('gatewayConfigHistory', (t) =>
  t.field({
    description: 'Gateway configuration revisions, newest first (at most 100)',
    type: [GatewayConfigRevisionRef],
    args: { tenant: t.arg.id(tenantArg), first: t.arg.int({ required: false, defaultValue: 20 }) },
    resolve: (_root, args, ctx) => gatewayConfigHistory(ctx, args.tenant == null ? null : String(args.tenant), args.first ?? 20),
  }),
);
