import { z } from 'zod';
import {
  TenantApiCreateRoleDocument,
  TenantApiDeleteRoleDocument,
  TenantApiRbacCheckDocument,
  TenantApiRbacDocument,
  TenantApiSetRbacDocument,
  TenantApiUpdateRoleDocument,
} from '../../../generated/graphql/graphql.js';
import { defineRoute } from '../../types.js';
import { done, doneSchema, tenantHeader, tenantOf } from './shared.js';

type Role = { name: string; description?: string | null; permissions: string[] };
const roleJson = ({ name, description, permissions }: Role) => (description ? { name, description, permissions } : { name, permissions });
const roleSchema = z.object({ name: z.string(), description: z.string().optional(), permissions: z.array(z.string()) });
const rbacSchema = z.object({ enabled: z.boolean(), defaultRole: z.string(), roles: z.array(roleSchema) });
const rbacJson = (rbac: { enabled: boolean; defaultRole: string; roles: Role[] }) => ({
  enabled: rbac.enabled,
  defaultRole: rbac.defaultRole,
  roles: rbac.roles.map(roleJson),
});
const roleAnswer = z.object({ success: z.literal(true), message: z.string(), role: roleSchema });

const getRbac = defineRoute(TenantApiRbacDocument, {
  method: 'GET',
  path: '/tenant/rbac',
  summary: 'RBAC configuration: enabled, the default role, the roles',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request) }),
  respond: (data) => ({ status: 200, body: rbacJson(data.tenantRbac) }),
  success: { status: 200, description: 'The configuration', schema: rbacSchema },
});

const setRbac = defineRoute(TenantApiSetRbacDocument, {
  method: 'PUT',
  path: '/tenant/rbac',
  summary: 'Turn RBAC on or off, choose the default role',
  headers: [tenantHeader],
  body: z.object({ enabled: z.boolean().optional(), defaultRole: z.string().optional() }).strict(),
  variables: (request) => ({ tenant: tenantOf(request), enabled: request.body.enabled, defaultRole: request.body.defaultRole }),
  respond: (data) => ({ status: 200, body: rbacJson(data.setRbac) }),
  success: { status: 200, description: 'The configuration now', schema: rbacSchema },
});

const createRole = defineRoute(TenantApiCreateRoleDocument, {
  method: 'POST',
  path: '/tenant/rbac/roles',
  summary: 'Create a role (409 when the name is taken)',
  headers: [tenantHeader],
  body: z.object({ name: z.string(), description: z.string().optional(), permissions: z.array(z.string()) }).strict(),
  variables: (request) => ({
    tenant: tenantOf(request),
    name: request.body.name,
    description: request.body.description,
    permissions: request.body.permissions,
  }),
  respond: (data) => ({ status: 201, body: { success: true, message: 'Role created', role: roleJson(data.createRole) } }),
  success: { status: 201, description: 'Created', schema: roleAnswer },
});

const updateRole = defineRoute(TenantApiUpdateRoleDocument, {
  method: 'PUT',
  path: '/tenant/rbac/roles/{name}',
  summary: "Update a role's permissions and/or description (404 when there is none by that name)",
  headers: [tenantHeader],
  body: z.object({ description: z.string().optional(), permissions: z.array(z.string()).optional() }).strict(),
  variables: (request) => ({
    tenant: tenantOf(request),
    name: request.params.name!,
    description: request.body.description,
    permissions: request.body.permissions,
  }),
  respond: (data) => ({ status: 200, body: { success: true, message: 'Role updated', role: roleJson(data.updateRole) } }),
  success: { status: 200, description: 'Updated', schema: roleAnswer },
});

const deleteRole = defineRoute(TenantApiDeleteRoleDocument, {
  method: 'DELETE',
  path: '/tenant/rbac/roles/{name}',
  summary: 'Delete a role (404 when unknown, 409 for the default role)',
  headers: [tenantHeader],
  variables: (request) => ({ tenant: tenantOf(request), name: request.params.name! }),
  respond: () => done('Role deleted'),
  success: { status: 200, description: 'Deleted', schema: doneSchema },
});

const checkRole = defineRoute(TenantApiRbacCheckDocument, {
  method: 'POST',
  path: '/tenant/rbac/check',
  summary: 'Whether a role grants a permission (always allowed while RBAC is disabled)',
  headers: [tenantHeader],
  body: z.object({ role: z.string(), permission: z.string() }).strict(),
  variables: (request) => ({ tenant: tenantOf(request), role: request.body.role, permission: request.body.permission }),
  respond: (data) => ({ status: 200, body: { allowed: data.rbacCheck } }),
  success: { status: 200, description: 'The decision', schema: z.object({ allowed: z.boolean() }) },
});

export const rbacRoutes = [getRbac, setRbac, createRole, updateRole, deleteRole, checkRole];
