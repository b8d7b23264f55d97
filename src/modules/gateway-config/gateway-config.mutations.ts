import { builder } from '../../graphql/builder.js';
import { withoutNulls } from '../../lib/without-nulls.js';
import { saveGatewayConfig } from './gateway-config.service.js';
import { GatewayConfigInput, GatewayConfigSavedRef } from './gateway-config.types.js';

builder.mutationField('saveGatewayConfig', (t) =>
  t.field({
    description: 'Save the sections given (each whole), keeping the others; every change is a revision',
    type: GatewayConfigSavedRef,
    args: {
      tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }),
      input: t.arg({ type: GatewayConfigInput as never, required: true }),
    },
    resolve: (_root, args, ctx) => saveGatewayConfig(ctx, args.tenant == null ? null : String(args.tenant), withoutNulls(args.input)),
  }),
);
