import { builder } from '../../graphql/builder.js';
import { tenantArgs } from '../tenants/tenant-ref.types.js';
import { tenantRefFrom } from '../tenants/tenant-ref.js';
import { addCustomDomain, removeCustomDomain, verifyCustomDomain } from './domains.service.js';
import { AddCustomDomainInput, TenantDomainRef } from './domains.types.js';

builder.mutationField('addCustomDomain', (t) =>
  t.field({
    type: TenantDomainRef,
    description: 'Add a custom domain with its certificate and key; it is PENDING until verifyCustomDomain finds its TXT record',
    args: { ...tenantArgs(t), input: t.arg({ type: AddCustomDomainInput, required: true }) },
    resolve: (_root, args, ctx) => addCustomDomain(ctx, ctx.domains, tenantRefFrom(args), args.input),
  }),
);

builder.mutationField('verifyCustomDomain', (t) =>
  t.field({
    type: TenantDomainRef,
    description: 'Look the verification TXT record up in DNS; found: the domain is ACTIVE. Not found: PRECONDITION_FAILED naming what was looked up',
    args: { ...tenantArgs(t), domain: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => verifyCustomDomain(ctx, ctx.domains, tenantRefFrom(args), args.domain),
  }),
);

builder.mutationField('removeCustomDomain', (t) =>
  t.field({
    type: TenantDomainRef,
    description: 'Remove a custom domain and its sealed key',
    args: { ...tenantArgs(t), domain: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => removeCustomDomain(ctx, ctx.domains, tenantRefFrom(args), args.domain),
  }),
);
