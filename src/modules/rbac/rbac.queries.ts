import { builder } from '../../graphql/builder.js';
import { getRbac, rbacCheck } from './rbac.service.js';
import { TenantRbacRef } from './rbac.types.js';

const tenantArg = { required: false, description: "UUID or slug; the API key's own tenant when absent" } as const;

builder.queryField('tenantRbac', (t) =>
  t.field({
    description: "The tenant's roles for its end users",
    type: TenantRbacRef,
    args: { tenant: t.arg.id(tenantArg) },
    resolve: (_root, args, ctx) => getRbac(ctx, args.tenant == null ? null : String(args.tenant)),
  }),
);

builder.queryField('rbacCheck', (t) =>
  t.boolean({
    description: 'Whether the role grants the permission (always true while the tenant has RBAC disabled; false for an unknown role)',
    args: { tenant: t.arg.id(tenantArg), role: t.arg.string({ required: true }), permission: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => rbacCheck(ctx, args.tenant == null ? null : String(args.tenant), args.role, args.permission),
  }),
);
