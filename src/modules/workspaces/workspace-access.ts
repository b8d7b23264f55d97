import type { Blueprint, Workspace } from '../../generated/prisma/client.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { type Actor, requireScope, type Scope } from '../identity/principal.js';

export type WorkspaceWithBlueprint = Workspace & { blueprint: Blueprint | null };

/** Workspaces and blueprints belong to projects: only a project's keys reach them. */
export function workspaceProjectId(actor: Actor, scope: Scope): string {
  const principal = requireScope(actor, scope);
  if (principal.owner !== 'PROJECT' || !principal.projectId) throw new ForbiddenError('Workspaces and blueprints belong to a project: use a project API key');
  return principal.projectId;
}

/** The caller's project's workspace by name; another project's is NOT_FOUND like a missing one. */
export async function findWorkspace(actor: Actor, name: string, scope: Scope): Promise<WorkspaceWithBlueprint> {
  const projectId = workspaceProjectId(actor, scope);
  const workspace = await actor.prisma.workspace.findUnique({ where: { projectId_name: { projectId, name } }, include: { blueprint: true } });
  if (!workspace) throw new NotFoundError(`Workspace not found: ${name}`, { workspace: name });
  return workspace;
}

export async function findBlueprint(actor: Actor, name: string, scope: Scope): Promise<Blueprint> {
  const projectId = workspaceProjectId(actor, scope);
  const blueprint = await actor.prisma.blueprint.findUnique({ where: { projectId_name: { projectId, name } } });
  if (!blueprint) throw new NotFoundError(`Blueprint not found: ${name}`, { blueprint: name });
  return blueprint;
}
