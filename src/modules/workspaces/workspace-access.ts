import type { Blueprint, PlanTier, Prisma, Workspace } from '../../generated/prisma/client.js';
import { DomainError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { type Actor, requireScope, type Scope } from '../../kernel/principal.js';
import { type Placed, withPlacement } from '../data-plane-schemas/placements.js';

export type WorkspaceWithBlueprint = Workspace & { blueprint: Blueprint | null; placement: Placed | null; project: { tier: PlanTier } };

/** What a workspace is read with: its blueprint, where its database lives, and its project's plan. */
export const workspaceInclude = { blueprint: true, ...withPlacement, project: { select: { tier: true } } } as const;

/** The workspace's database on the data plane; one still in the gateway's own database (not moved yet at start) cannot be used. */
export function workspacePlacement(workspace: Pick<WorkspaceWithBlueprint, 'name' | 'placement'>): Placed {
  if (!workspace.placement)
    throw new DomainError('PRECONDITION_FAILED', `Workspace '${workspace.name}' is being moved to the data plane; retry shortly`, {
      workspace: workspace.name,
    });
  return workspace.placement;
}

/** The schema a workspace's database is (its password is sealed bound to it). */
export const workspaceSchemaName = (workspace: Pick<Workspace, 'legacySchemaName'> & { placement: { schemaName: string } | null }) =>
  workspace.placement?.schemaName ?? workspace.legacySchemaName ?? '';

/**
 * The one rule for the data plane's project scope: workspaces, blueprints, deployments and admin
 * queries belong to a project, so only a project's keys reach them (with the scope asked for).
 */
export function callerProjectId(actor: Actor, scope: Scope): string {
  const principal = requireScope(actor, scope);
  if (principal.owner !== 'PROJECT' || !principal.projectId)
    throw new ForbiddenError('Workspaces, blueprints, deployments and admin queries belong to a project: use a project API key');
  return principal.projectId;
}

/** The caller's project's workspace by name; another project's is NOT_FOUND like a missing one. */
export async function findWorkspace(actor: Actor, name: string, scope: Scope): Promise<WorkspaceWithBlueprint> {
  const projectId = callerProjectId(actor, scope);
  const workspace = await actor.prisma.workspace.findUnique({ where: { projectId_name: { projectId, name } }, include: workspaceInclude });
  if (!workspace) throw new NotFoundError(`Workspace not found: ${name}`, { workspace: name });
  return workspace;
}

/** The caller's project's blueprint by name; another project's is NOT_FOUND like a missing one. */
// biome-ignore lint/complexity/noBannedTypes: {} is Prisma's own default for an include (none)
export async function projectBlueprint<I extends Prisma.BlueprintInclude = {}>(actor: Actor, projectId: string, name: string, include?: I) {
  const blueprint = await actor.prisma.blueprint.findUnique({ where: { projectId_name: { projectId, name } }, include: include as I });
  if (!blueprint) throw new NotFoundError(`Blueprint not found: ${name}`, { blueprint: name });
  return blueprint;
}

export function findBlueprint(actor: Actor, name: string, scope: Scope): Promise<Blueprint> {
  return projectBlueprint(actor, callerProjectId(actor, scope), name);
}
