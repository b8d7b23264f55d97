import { builder } from '../../graphql/builder.js';
import { listSecrets } from './secrets.service.js';
import { TenantSecretRef } from './secrets.types.js';

builder.queryField('tenantSecrets', (t) =>
  t.field({
    description: "A tenant's secrets by name, sorted; values are never returned",
    type: [TenantSecretRef],
    args: { tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }) },
    resolve: (_root, args, ctx) => listSecrets(ctx, args.tenant == null ? null : String(args.tenant)),
  }),
);
