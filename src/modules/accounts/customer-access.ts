import type { Project } from '../../generated/prisma/client.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { type Actor, type Principal, requireScope, type Scope } from '../../kernel/principal.js';

export type CustomerPrincipal = Principal & { owner: 'PROJECT'; projectId: string; customerId: string };

/**
 * The TenantsDB account behind a key: keys of a customer's project speak for the customer.
 * Operator keys, tenant keys and keys of projects an operator made have no account.
 */
export async function requireCustomer(actor: Actor, scope: Scope): Promise<CustomerPrincipal> {
  const principal = requireScope(actor, scope);
  const project =
    principal.owner === 'PROJECT' && principal.projectId
      ? await actor.prisma.project.findUnique({ where: { id: principal.projectId }, select: { customerId: true } })
      : null;
  if (!project?.customerId) throw new ForbiddenError('This API key does not belong to a TenantsDB account: use a project API key');
  return { ...principal, owner: 'PROJECT', projectId: principal.projectId!, customerId: project.customerId };
}

const projectIdPattern = /^tdb_[0-9a-f]{8}$/;

/**
 * One of the customer's projects, by project id or by name. Another customer's project is
 * NOT_FOUND like one that does not exist; a name two projects share is CONFLICT.
 */
export async function findCustomerProject(actor: Actor, customerId: string, ref: string): Promise<Project> {
  if (projectIdPattern.test(ref)) {
    const byId = await actor.prisma.project.findFirst({ where: { slug: ref, customerId } });
    if (byId) return byId;
  }
  const named = await actor.prisma.project.findMany({ where: { name: ref, customerId }, take: 2 });
  if (named.length > 1) throw new ConflictError(`More than one project is named '${ref}': use its project id`, { field: 'project' });
  if (!named[0]) throw new NotFoundError(`Project not found: ${ref}`, { project: ref });
  return named[0];
}
