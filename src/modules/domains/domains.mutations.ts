import { builder } from '../../graphql/builder.js';
import { addCustomDomain, removeCustomDomain, verifyCustomDomain } from './domains.service.js';
import { AddCustomDomainInput, TenantDomainRef } from './domains.types.js';

builder.mutationField('addCustomDomain', (t) =>
  t.field({
    type: TenantDomainRef,
    description: 'Add a custom domain with its certificate and key; it is PENDING until verifyCustomDomain finds its TXT record',
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), input: t.arg({ type: AddCustomDomainInput, required: true }) },
    resolve: (_root, args, ctx) => addCustomDomain(ctx, ctx.domains, String(args.tenant), args.input),
  }),
);

builder.mutationField('verifyCustomDomain', (t) =>
  t.field({
    type: TenantDomainRef,
    description: 'Look the verification TXT record up in DNS; found: the domain is ACTIVE. Not found: PRECONDITION_FAILED naming what was looked up',
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), domain: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => verifyCustomDomain(ctx, ctx.domains, String(args.tenant), args.domain),
  }),
);

builder.mutationField('removeCustomDomain', (t) =>
  t.field({
    type: TenantDomainRef,
    description: 'Remove a custom domain and its sealed key',
    args: { tenant: t.arg.id({ required: true, description: 'UUID or slug' }), domain: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => removeCustomDomain(ctx, ctx.domains, String(args.tenant), args.domain),
  }),
);
