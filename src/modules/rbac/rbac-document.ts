import { z } from 'zod';

/** Role names and permissions: lowercase words with digits and _ . : - (`billing:read`). */
export const rbacNamePattern = /^[a-z][a-z0-9_.:-]{0,63}$/;
export const rbacLimits = { roles: 100, permissions: 100, description: 1024 };

export type Role = { name: string; description: string | null; permissions: string[] };
export type RbacDocument = { enabled: boolean; defaultRole: string; roles: Role[] };

/** What a new tenant has until it changes anything. */
export function defaultRbac(): RbacDocument {
  return {
    enabled: true,
    defaultRole: 'viewer',
    roles: [
      { name: 'viewer', description: null, permissions: ['read'] },
      { name: 'admin', description: null, permissions: ['read', 'write', 'delete'] },
    ],
  };
}

export function readRbac(stored: unknown): RbacDocument {
  return stored && typeof stored === 'object' ? (structuredClone(stored) as RbacDocument) : defaultRbac();
}

const name = (field: string) =>
  z.string().regex(rbacNamePattern, { error: `${field} must be 1-64 characters: a lowercase letter, then lowercase letters, digits, "_", ".", ":" or "-"` });

export const roleNameSchema = name('name');
export const permissionsSchema = z
  .array(name('permission'))
  .min(1, { error: 'a role needs at least one permission' })
  .max(rbacLimits.permissions, { error: `a role has at most ${rbacLimits.permissions} permissions` })
  .transform((permissions) => [...new Set(permissions)]);
export const descriptionSchema = z
  .string()
  .max(rbacLimits.description, { error: `description is at most ${rbacLimits.description} characters` })
  .nullable();

/** Roles keyed by name, so the trail names the role that changed (roles.editor); point-in-time recovery replays these paths. */
export const rbacPaths = (document: RbacDocument) => ({
  rbac: { enabled: document.enabled, defaultRole: document.defaultRole },
  roles: Object.fromEntries(document.roles.map((role) => [role.name, { description: role.description, permissions: role.permissions }])),
});

/** The document back from its paths: roles in the order their keys hold (creation order; a new role comes last). */
export function rbacFromPaths(paths: ReturnType<typeof rbacPaths>): RbacDocument {
  return {
    enabled: paths.rbac.enabled,
    defaultRole: paths.rbac.defaultRole,
    roles: Object.entries(paths.roles).map(([name, role]) => ({ name, description: role.description ?? null, permissions: role.permissions })),
  };
}
