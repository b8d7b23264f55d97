import type { Blueprint, Prisma, Workspace } from '../../generated/prisma/client.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { type Actor, requireScope, type Scope } from '../identity/principal.js';

export type WorkspaceWithBlueprint = Workspace & { blueprint: Blueprint | null };

/**
 * The one rule for the data plane's project scope: workspaces, blueprints, deployments and admin
 * queries belong to a project, so only a project's keys reach them (with the scope asked for).
 */
export function callerProjectId(actor: Actor, scope: Scope): string {
  const principal = requireScope(actor, scope);
  if (principal.owner !== 'PROJECT' || !principal.projectId) throw new ForbiddenError('Workspaces, blueprints, deployments and admin queries belong to a project: use a project API key');
  return principal.projectId;
}

/** The caller's project's workspace by name; another project's is NOT_FOUND like a missing one. */
export async function findWorkspace(actor: Actor, name: string, scope: Scope): Promise<WorkspaceWithBlueprint> {
  const projectId = callerProjectId(actor, scope);
  const workspace = await actor.prisma.workspace.findUnique({ where: { projectId_name: { projectId, name } }, include: { blueprint: true } });
  if (!workspace) throw new NotFoundError(`Workspace not found: ${name}`, { workspace: name });
  return workspace;
}

/** The caller's project's blueprint by name; another project's is NOT_FOUND like a missing one. */
export async function projectBlueprint<I extends Prisma.BlueprintInclude = {}>(actor: Actor, projectId: string, name: string, include?: I) {
  const blueprint = await actor.prisma.blueprint.findUnique({ where: { projectId_name: { projectId, name } }, include: include as I });
  if (!blueprint) throw new NotFoundError(`Blueprint not found: ${name}`, { blueprint: name });
  return blueprint;
}

export function findBlueprint(actor: Actor, name: string, scope: Scope): Promise<Blueprint> {
  return projectBlueprint(actor, callerProjectId(actor, scope), name);
}
