import { tenantStanding, uuidPattern } from '../../kernel/tenant-access.js';
import { type Actor, type Principal, type Scope, scopes } from '../../kernel/principal.js';

/** The claims a JWT credential is read from (docs/configuration.md, `JWT_JWKS_URL`). */
export type CredentialClaims = {
  sub?: string;
  iss?: string;
  /** The tenant the token acts as: its id (slug) or UUID. */
  tenant_id?: unknown;
  /** OAuth 2 style: scopes separated by spaces. */
  scope?: unknown;
  /** Or a list. */
  scopes?: unknown;
};

/** The seed's names that are not the gateway's own. */
const aliases: Record<string, Scope> = { 'metrics:read': 'usage:read' };
/** What no token grants: the operator's scope and minting keys stay with API keys. */
const withheld = new Set<Scope>(['admin', 'keys:write']);

function scopesOf(claims: CredentialClaims): Set<Scope> {
  const listed = typeof claims.scope === 'string' ? claims.scope.split(/\s+/) : Array.isArray(claims.scopes) ? claims.scopes : [];
  const known = new Set<string>(scopes);
  const granted = listed
    .filter((value): value is string => typeof value === 'string')
    .map((value) => aliases[value] ?? value)
    .filter((value): value is Scope => known.has(value) && !withheld.has(value as Scope));
  return new Set(granted);
}

/**
 * A verified token's principal: a tenant credential for the tenant its `tenant_id` claim names,
 * with the scopes its `scope` (or `scopes`) claim lists. A token naming no tenant, or one that
 * does not exist or is deleted, or a slug of a project's tenant (those are named by UUID), is
 * not a credential.
 */
export async function principalFromClaims(prisma: Actor['prisma'], claims: CredentialClaims): Promise<Principal | null> {
  if (typeof claims.tenant_id !== 'string' || !claims.tenant_id || claims.tenant_id.length > 64) return null;
  // Tokens name no project, and slugs are unique only within one: a slug names a tenant with no
  // project, a project's tenant is named by its UUID. Otherwise which tenant a token reaches
  // would change with what other customers call their tenants.
  const ref = claims.tenant_id;
  const tenant = await prisma.tenant.findFirst({
    where: uuidPattern.test(ref) ? { id: ref.toLowerCase() } : { slug: ref, projectId: null },
    select: { id: true, slug: true, projectId: true, tier: true, status: true, statusBeforeRestore: true, expiresAt: true },
  });
  if (!tenant) return null;
  const standing = tenantStanding(tenant);
  if (standing === 'DELETED') return null;
  const subject = typeof claims.sub === 'string' ? claims.sub.slice(0, 100) : 'unknown';
  return {
    id: `jwt:${subject}`,
    label: `JWT ${subject}${claims.iss ? ` (${claims.iss})` : ''}`,
    owner: 'TENANT',
    projectId: tenant.projectId,
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    tenantTier: tenant.tier,
    tenantStanding: standing,
    scopes: scopesOf(claims),
  };
}
