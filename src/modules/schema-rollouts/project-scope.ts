import type { Prisma } from '../../generated/prisma/client.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { type Actor, requireScope, type Scope } from '../identity/principal.js';

/** Deployments and admin queries act on a project's blueprint and tenants: only the project's keys reach them. */
export function callerProjectId(actor: Actor, scope: Scope): string {
  const principal = requireScope(actor, scope);
  if (principal.owner !== 'PROJECT' || !principal.projectId) throw new ForbiddenError('Deployments and admin queries belong to a project: use a project API key');
  return principal.projectId;
}

/** The caller's project's blueprint by name; another project's is NOT_FOUND like a missing one. */
export async function projectBlueprint<I extends Prisma.BlueprintInclude = {}>(actor: Actor, projectId: string, name: string, include?: I) {
  const blueprint = await actor.prisma.blueprint.findUnique({ where: { projectId_name: { projectId, name } }, include: include as I });
  if (!blueprint) throw new NotFoundError(`Blueprint not found: ${name}`, { blueprint: name });
  return blueprint;
}
