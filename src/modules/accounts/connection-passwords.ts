import type { Keyring } from '../../lib/keyring.js';
import { type Actor, hasScope } from '../../kernel/principal.js';
import { openProxyPassword } from './proxy-passwords.js';

/**
 * The password a tenant's connection strings take: its project's proxy password (seed 002: the
 * POST /tenants answer carries it; GETs mask it). Only the project's own credentials that may
 * write its tenants see it (they can have it from POST /projects/{id}/switch anyway); anyone
 * else, a tenant's own keys included, gets null.
 */
export async function tenantConnectionPassword(actor: Actor, keyring: Keyring, tenant: { projectId: string | null }): Promise<string | null> {
  const principal = actor.principal;
  if (!principal || !tenant.projectId || principal.owner !== 'PROJECT' || principal.projectId !== tenant.projectId) return null;
  if (!hasScope(principal, 'tenants:write')) return null;
  const project = await actor.prisma.project.findUnique({ where: { id: tenant.projectId }, select: { proxyPasswordSealed: true } });
  return project?.proxyPasswordSealed ? openProxyPassword(keyring, tenant.projectId, project.proxyPasswordSealed) : null;
}
