import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { type Actor, requireScope } from '../../kernel/principal.js';
import type { DataPlaneDeps } from './data-plane-deps.js';
import { rotatePlacementPasswords } from './placements.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A new random password for every data-plane login (of one project, by its id or `tdb_` slug,
 * when given), set on its server and sealed with the current SECRETS_KEY: what rotates the
 * logins, and what moves their sealed passwords off a key being retired. An operator act.
 */
export async function rotateDataPlanePasswords(actor: Actor, deps: DataPlaneDeps, projectRef: string | null): Promise<{ rotated: number }> {
  const principal = requireScope(actor, 'admin');
  if (principal.owner !== 'GLOBAL') throw new ForbiddenError("Rotating the data plane's passwords is an operator act");
  let projectId: string | null = null;
  if (projectRef !== null) {
    const project = await actor.prisma.project.findFirst({ where: uuid.test(projectRef) ? { id: projectRef } : { slug: projectRef }, select: { id: true } });
    if (!project) throw new NotFoundError(`Project not found: ${projectRef}`, { field: 'project' });
    projectId = project.id;
  }
  return { rotated: await rotatePlacementPasswords(deps, projectId) };
}
