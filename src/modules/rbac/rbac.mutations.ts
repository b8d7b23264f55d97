import { builder } from '../../graphql/builder.js';
import { createRole, deleteRole, setRbac, updateRole } from './rbac.service.js';
import { RoleRef, TenantRbacRef } from './rbac.types.js';

const tenantArg = { required: false, description: "UUID or slug; the API key's own tenant when absent" } as const;
const refOf = (tenant: string | number | null | undefined) => (tenant == null ? null : String(tenant));

builder.mutationField('createRole', (t) =>
  t.field({
    description: 'A new role: name and permissions ^[a-z][a-z0-9_.:-]{0,63}$, at least one permission; a taken name is CONFLICT',
    type: RoleRef,
    args: {
      tenant: t.arg.id(tenantArg),
      name: t.arg.string({ required: true }),
      description: t.arg.string({ required: false }),
      permissions: t.arg.stringList({ required: true }),
    },
    resolve: (_root, args, ctx) => createRole(ctx, refOf(args.tenant), { name: args.name, description: args.description, permissions: args.permissions }),
  }),
);

builder.mutationField('updateRole', (t) =>
  t.field({
    description: "Change a role's permissions and/or description; an unknown role is NOT_FOUND",
    type: RoleRef,
    args: {
      tenant: t.arg.id(tenantArg),
      name: t.arg.string({ required: true }),
      description: t.arg.string({ required: false }),
      permissions: t.arg.stringList({ required: false }),
    },
    resolve: (_root, args, ctx) => updateRole(ctx, refOf(args.tenant), args.name, { description: args.description, permissions: args.permissions }),
  }),
);

builder.mutationField('deleteRole', (t) =>
  t.field({
    description: 'Delete a role; the default role is CONFLICT, an unknown one NOT_FOUND',
    type: RoleRef,
    args: { tenant: t.arg.id(tenantArg), name: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => deleteRole(ctx, refOf(args.tenant), args.name),
  }),
);

builder.mutationField('setRbac', (t) =>
  t.field({
    description: 'Turn RBAC on or off and choose the default role (an existing one)',
    type: TenantRbacRef,
    args: { tenant: t.arg.id(tenantArg), enabled: t.arg.boolean({ required: false }), defaultRole: t.arg.string({ required: false }) },
    resolve: (_root, args, ctx) => setRbac(ctx, refOf(args.tenant), { enabled: args.enabled, defaultRole: args.defaultRole }),
  }),
);
