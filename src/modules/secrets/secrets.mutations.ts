import { builder } from '../../graphql/builder.js';
import { deleteSecret, storeSecret } from './secrets.service.js';
import { TenantSecretRef } from './secrets.types.js';

builder.mutationField('storeTenantSecret', (t) =>
  t.field({
    description: "Store or replace a secret, sealed at rest with the tenant's data key. Name: ^[A-Z][A-Z0-9_]{0,127}$; value: 1 byte to 64 KiB.",
    type: TenantSecretRef,
    args: {
      tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }),
      name: t.arg.string({ required: true }),
      value: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) => storeSecret(ctx, args.tenant == null ? null : String(args.tenant), args.name, args.value),
  }),
);

builder.mutationField('deleteTenantSecret', (t) =>
  t.field({
    description: 'Delete a secret; an unknown name is NOT_FOUND',
    type: TenantSecretRef,
    args: {
      tenant: t.arg.id({ required: false, description: "UUID or slug; the API key's own tenant when absent" }),
      name: t.arg.string({ required: true }),
    },
    resolve: (_root, args, ctx) => deleteSecret(ctx, args.tenant == null ? null : String(args.tenant), args.name),
  }),
);
