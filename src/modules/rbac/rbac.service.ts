import type { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client.js';
import { ConflictError, InvalidInputError, NotFoundError, type Violation } from '../../lib/errors.js';
import { violationsFromZod } from '../../lib/validation.js';
import { documentChanges, recordAudit } from '../../kernel/audit-trail.js';
import type { Actor } from '../../kernel/principal.js';
import { assertLive, resolveTenant } from '../../kernel/tenant-access.js';
import { descriptionSchema, permissionsSchema, type RbacDocument, type Role, rbacLimits, rbacPaths, readRbac, roleNameSchema } from './rbac-document.js';

export type TenantRbac = RbacDocument & { tenantId: string };

export async function getRbac(actor: Actor, ref: string | null | undefined): Promise<TenantRbac> {
  const tenant = await resolveTenant(actor, ref, 'config:read');
  const row = await actor.prisma.tenantRbac.findUnique({ where: { tenantId: tenant.id } });
  return { tenantId: tenant.id, ...readRbac(row?.document) };
}

function check<S extends z.ZodType>(violations: Violation[], field: string, schema: S, value: unknown): z.output<S> | undefined {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  violations.push(...violationsFromZod(parsed.error, field));
  return undefined;
}

/** One change to a tenant's roles, under its row lock: `change` returns the document after it, or throws. */
async function changeRbac(
  actor: Actor,
  ref: string | null | undefined,
  audit: { action: string; target: string },
  change: (document: RbacDocument) => RbacDocument,
): Promise<TenantRbac> {
  const tenant = await resolveTenant(actor, ref, 'config:write');
  assertLive(tenant, 'change the roles of');
  const author = actor.principal!.label;
  return actor.prisma.$transaction(async (tx) => {
    await tx.tenantRbac.createMany({
      data: [{ tenantId: tenant.id, document: readRbac(null) as unknown as Prisma.InputJsonObject, updatedBy: author }],
      skipDuplicates: true,
    });
    await tx.$queryRaw`SELECT 1 FROM "TenantRbac" WHERE "tenantId" = ${tenant.id}::uuid FOR UPDATE`;
    const row = await tx.tenantRbac.findUniqueOrThrow({ where: { tenantId: tenant.id } });
    const before = readRbac(row.document);
    const after = change(structuredClone(before));
    await tx.tenantRbac.update({
      where: { tenantId: tenant.id },
      data: { document: after as unknown as Prisma.InputJsonObject, updatedBy: author, updatedAt: new Date() },
    });
    await recordAudit(tx, actor, { tenantId: tenant.id, ...audit, changes: documentChanges(rbacPaths(before), rbacPaths(after)) });
    return { tenantId: tenant.id, ...after };
  });
}

const noRole = (name: string) => new NotFoundError(`No role named "${name.slice(0, 64)}"`, { field: 'name' });

export type RoleInput = { name: string; description?: string | null; permissions: string[] };

/** A new role; a name already taken is CONFLICT. */
export async function createRole(actor: Actor, ref: string | null | undefined, input: RoleInput): Promise<Role> {
  const violations: Violation[] = [];
  const name = check(violations, 'name', roleNameSchema, input.name);
  const permissions = check(violations, 'permissions', permissionsSchema, input.permissions);
  const description = check(violations, 'description', descriptionSchema, input.description ?? null);
  if (violations.length) throw new InvalidInputError(violations);
  const role: Role = { name: name!, description: description ?? null, permissions: permissions! };
  await changeRbac(actor, ref, { action: 'role.created', target: `role:${role.name}` }, (document) => {
    if (document.roles.some((existing) => existing.name === role.name))
      throw new ConflictError(`A role named "${role.name}" already exists`, { field: 'name' });
    if (document.roles.length >= rbacLimits.roles)
      throw new InvalidInputError([{ field: 'name', rule: 'size', message: `a tenant has at most ${rbacLimits.roles} roles` }]);
    return { ...document, roles: [...document.roles, role] };
  });
  return role;
}

/** Changes a role's permissions and/or description; an unknown name is NOT_FOUND. */
export async function updateRole(
  actor: Actor,
  ref: string | null | undefined,
  name: string,
  input: { description?: string | null; permissions?: string[] | null },
): Promise<Role> {
  const violations: Violation[] = [];
  const permissions = input.permissions == null ? undefined : check(violations, 'permissions', permissionsSchema, input.permissions);
  // Absent or null keeps the description; "" clears it.
  const description = input.description == null ? undefined : check(violations, 'description', descriptionSchema, input.description || null);
  if (violations.length) throw new InvalidInputError(violations);
  let updated: Role | undefined;
  await changeRbac(actor, ref, { action: 'role.updated', target: `role:${name}` }, (document) => {
    const role = document.roles.find((existing) => existing.name === name);
    if (!role) throw noRole(name);
    updated = { ...role, ...(permissions ? { permissions } : {}), ...(input.description == null ? {} : { description: description ?? null }) };
    return { ...document, roles: document.roles.map((existing) => (existing.name === name ? updated! : existing)) };
  });
  return updated!;
}

/** Deletes a role; the default role cannot be deleted (CONFLICT), an unknown one is NOT_FOUND. */
export async function deleteRole(actor: Actor, ref: string | null | undefined, name: string): Promise<Role> {
  let deleted: Role | undefined;
  await changeRbac(actor, ref, { action: 'role.deleted', target: `role:${name}` }, (document) => {
    deleted = document.roles.find((existing) => existing.name === name);
    if (!deleted) throw noRole(name);
    if (document.defaultRole === name) throw new ConflictError(`"${name}" is the default role: make another role the default first`, { field: 'name' });
    return { ...document, roles: document.roles.filter((existing) => existing.name !== name) };
  });
  return deleted!;
}

/** `enabled` and `defaultRole` (which must name an existing role). */
export async function setRbac(
  actor: Actor,
  ref: string | null | undefined,
  input: { enabled?: boolean | null; defaultRole?: string | null },
): Promise<TenantRbac> {
  return changeRbac(actor, ref, { action: 'rbac.updated', target: 'rbac' }, (document) => {
    if (input.defaultRole != null && !document.roles.some((role) => role.name === input.defaultRole)) {
      throw new InvalidInputError([{ field: 'defaultRole', rule: 'unknown_role', message: `defaultRole: no role named "${input.defaultRole.slice(0, 64)}"` }]);
    }
    return { ...document, enabled: input.enabled ?? document.enabled, defaultRole: input.defaultRole ?? document.defaultRole };
  });
}

/**
 * The check applications call: whether `role` grants `permission`. With RBAC disabled every
 * check passes (the tenant does not use roles); an unknown role grants nothing.
 */
export async function rbacCheck(actor: Actor, ref: string | null | undefined, role: string, permission: string): Promise<boolean> {
  const rbac = await getRbac(actor, ref);
  if (!rbac.enabled) return true;
  return rbac.roles.some((entry) => entry.name === role && entry.permissions.includes(permission));
}
