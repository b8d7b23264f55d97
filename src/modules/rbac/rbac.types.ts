import { builder } from '../../graphql/builder.js';
import type { Role } from './rbac-document.js';
import type { TenantRbac } from './rbac.service.js';

export const RoleRef = builder.objectRef<Role>('TenantRole').implement({
  description: "A custom role for the tenant's end users",
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    permissions: t.exposeStringList('permissions'),
  }),
});

export const TenantRbacRef = builder.objectRef<TenantRbac>('TenantRbac').implement({
  description: "The tenant's roles (seed 001 RBAC); a new tenant has viewer [read] and admin [read, write, delete], viewer the default",
  fields: (t) => ({
    tenantId: t.exposeID('tenantId'),
    enabled: t.exposeBoolean('enabled', { description: 'When false, every rbacCheck passes' }),
    defaultRole: t.exposeString('defaultRole'),
    roles: t.field({ type: [RoleRef], resolve: (rbac) => rbac.roles }),
  }),
});
