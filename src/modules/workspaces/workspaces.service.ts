import { randomBytes } from 'node:crypto';
import type { Workspace } from '../../generated/prisma/client.js';
import { ConflictError } from '../../lib/errors.js';
import { parseInput } from '../../lib/validation.js';
import { auditedChange, documentChanges, projectTarget, recordAudit } from '../../kernel/audit-trail.js';
import type { Actor } from '../../kernel/principal.js';
import { assertProjectQuotas } from '../quotas/quotas.js';
import { physicalSchemaName, projectDatabaseUser, workspaceDatabaseName } from '../data-plane-schemas/physical-names.js';
import { createPlacement, dropPlacement, dropUnreferencedPlacement } from '../data-plane-schemas/placements.js';
import type { DataPlaneDeps } from '../data-plane-schemas/data-plane-deps.js';
import { findWorkspace, callerProjectId, type WorkspaceWithBlueprint, workspaceInclude, workspaceSchemaName } from './workspace-access.js';
import { createWorkspaceInput, settingsInput } from './workspace-inputs.js';
import { sealWorkspacePassword } from './workspace-passwords.js';

/** The project's database user, as the seed shows it and as tenant databases use it (`tdb_2abf90d3`). */

/** What the audit trail keeps of a workspace: never its password, sealed or not. */
const auditedWorkspace = (workspace: Workspace & { placement: { schemaName: string } | null }) => ({
  mode: workspace.mode,
  database: workspace.databaseType,
  schema: workspaceSchemaName(workspace),
  settings: { queryTimeoutMs: workspace.queryTimeoutMs, maxRowsPerQuery: workspace.maxRowsPerQuery, maxConnections: workspace.maxConnections },
});

/**
 * A workspace: its schema and role first (PostgreSQL), then its records; when the records cannot
 * be written, the schema is dropped again, so neither outlives the other. Tenant mode creates the
 * blueprint of the same name. The password is returned this once; at rest it is sealed. The
 * project's `workspace.created` audit event is written with the records.
 */
export async function createWorkspace(actor: Actor, deps: DataPlaneDeps, input: { name: string; database: string; mode: string }) {
  const projectId = callerProjectId(actor, 'workspaces:write');
  const data = parseInput(createWorkspaceInput, input);
  const taken = await actor.prisma.workspace.findUnique({ where: { projectId_name: { projectId, name: data.name } }, select: { id: true } });
  if (taken) throw new ConflictError(`Workspace '${data.name}' already exists`, { field: 'name' });
  if (data.mode === 'tenant') {
    const blueprint = await actor.prisma.blueprint.findUnique({ where: { projectId_name: { projectId, name: data.name } }, select: { id: true } });
    if (blueprint) throw new ConflictError(`Blueprint '${data.name}' already exists`, { field: 'name' });
  }
  // The project's quotas (quotas.ts): answered before any schema is made, decided again with the records.
  const quotas = data.mode === 'tenant' ? (['workspaces', 'blueprints'] as const) : (['workspaces'] as const);
  await assertProjectQuotas(actor.prisma, actor.principal, projectId, [...quotas]);
  const schemaName = physicalSchemaName(projectId, workspaceDatabaseName(data.name));
  const password = `tdb_${randomBytes(8).toString('hex')}`;
  // The name's lock is held until the records are written (or the schema dropped again): a
  // request meeting a leftover schema of that name takes it over only while nobody is creating it.
  return deps.sql.withNameLocks([schemaName], async (held) => {
    const placed = await createPlacement(deps, projectId, schemaName, undefined, held);
    try {
      const workspace = await auditedChange(actor.prisma, async (tx) => {
        await assertProjectQuotas(tx, actor.principal, projectId, [...quotas]);
        const created = await tx.workspace.create({
          data: {
            projectId,
            name: data.name,
            mode: data.mode === 'tenant' ? 'TENANT' : 'CONTROL',
            placementId: placed.id,
            connectionUser: projectDatabaseUser(projectId),
            passwordSealed: sealWorkspacePassword(deps.keyring, schemaName, password),
            ...(data.mode === 'tenant' ? { blueprint: { create: { projectId, name: data.name } } } : {}),
          },
          include: workspaceInclude,
        });
        await recordAudit(tx, actor, {
          tenantId: null,
          action: 'workspace.created',
          target: projectTarget(projectId),
          changes: [{ path: `workspaces.${created.name}`, before: null, after: auditedWorkspace(created) }],
        });
        return created;
      });
      return { workspace, password };
    } catch (error) {
      await dropPlacement(deps, placed.id);
      throw error;
    }
  });
}

export async function listWorkspaces(actor: Actor): Promise<WorkspaceWithBlueprint[]> {
  const projectId = callerProjectId(actor, 'workspaces:read');
  return actor.prisma.workspace.findMany({ where: { projectId }, include: workspaceInclude, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export const getWorkspace = (actor: Actor, name: string) => findWorkspace(actor, name, 'workspaces:read');

/** The blueprint's newest deployed version number; 0 before its first deployment. */
export async function currentVersion(actor: Actor, blueprintId: string): Promise<number> {
  const latest = await actor.prisma.blueprintVersion.findFirst({
    where: { blueprintId, deployedAt: { not: null } },
    orderBy: { number: 'desc' },
    select: { number: true },
  });
  return latest?.number ?? 0;
}

/** Tenants (not purged) with a database from the blueprint, by slug. */
export async function tenantsOnBlueprint(actor: Actor, blueprintId: string): Promise<string[]> {
  const databases = await actor.prisma.tenantDatabase.findMany({
    where: { blueprintId },
    select: { tenant: { select: { slug: true } } },
    orderBy: { tenant: { slug: 'asc' } },
  });
  return [...new Set(databases.map((database) => database.tenant.slug))];
}

/**
 * Deletes the workspace, its blueprint with its versions and pending changes, and its schema.
 * A tenant-mode workspace whose blueprint tenants use is CONFLICT (`tenants_deployed`).
 * The records go first in one transaction; the schema is dropped after (a failed drop leaves an
 * orphan schema the records no longer name, which the next create of that name takes over;
 * never records without their schema).
 */
export async function deleteWorkspace(actor: Actor, deps: DataPlaneDeps, name: string) {
  const workspace = await findWorkspace(actor, name, 'workspaces:write');
  let versionsDeleted = 0;
  if (workspace.blueprint) {
    const deployedTo = await tenantsOnBlueprint(actor, workspace.blueprint.id);
    if (deployedTo.length > 0) {
      throw new ConflictError('cannot delete workspace with deployed tenants', {
        reason: 'tenants_deployed',
        deployedTo,
        actionRequired: 'Delete all tenants first or use a different workspace',
      });
    }
    versionsDeleted = await actor.prisma.blueprintVersion.count({ where: { blueprintId: workspace.blueprint.id } });
  }
  await auditedChange(actor.prisma, async (tx) => {
    await tx.workspace.delete({ where: { id: workspace.id } });
    await recordAudit(tx, actor, {
      tenantId: null,
      action: 'workspace.deleted',
      target: projectTarget(workspace.projectId),
      changes: [{ path: `workspaces.${workspace.name}`, before: auditedWorkspace(workspace), after: null }],
    });
  });
  if (workspace.placementId) await dropUnreferencedPlacement(deps, workspace.placementId);
  return { workspace, versionsDeleted };
}

export async function updateWorkspaceSettings(
  actor: Actor,
  name: string,
  input: { queryTimeoutMs?: number | null; maxRowsPerQuery?: number | null; maxConnections?: number | null },
): Promise<WorkspaceWithBlueprint> {
  const workspace = await findWorkspace(actor, name, 'workspaces:write');
  const data = parseInput(settingsInput, input);
  return auditedChange(actor.prisma, async (tx) => {
    const updated = await tx.workspace.update({
      where: { id: workspace.id },
      data: {
        ...(data.queryTimeoutMs != null ? { queryTimeoutMs: data.queryTimeoutMs } : {}),
        ...(data.maxRowsPerQuery != null ? { maxRowsPerQuery: data.maxRowsPerQuery } : {}),
        ...(data.maxConnections != null ? { maxConnections: data.maxConnections } : {}),
      },
      include: workspaceInclude,
    });
    const changes = documentChanges(auditedWorkspace(workspace).settings, auditedWorkspace(updated).settings).map((change) => ({
      ...change,
      path: `workspaces.${workspace.name}.settings.${change.path}`,
    }));
    if (changes.length)
      await recordAudit(tx, actor, { tenantId: null, action: 'workspace.settings_updated', target: projectTarget(workspace.projectId), changes });
    return updated;
  });
}
