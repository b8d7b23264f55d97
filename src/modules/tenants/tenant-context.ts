import type { Tenant } from '../../generated/prisma/client.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../lib/errors.js';
import { type Actor, type Principal, requireScope, type Scope } from '../../kernel/principal.js';
import { defaultDomainSettings } from './default-domains.js';
import { reachableTenants, resolveTenant, uuidPattern } from '../../kernel/tenant-access.js';
import { type HostClaim, hostClaim, tenantIdByHost } from './tenant-hosts.js';

/** The ways a request names its tenant besides its credential, as the request sent them. */
export type TenantContextSources = {
  /** The tenant the route names in its path (`/tenants/{tenant_id}`). */
  tenant?: string | null;
  /** `X-Tenant-ID`. */
  header?: string | null;
  /** `?tenant_id`. */
  query?: string | null;
  /** `Host`: names a tenant when it is the default domain or a verified custom domain of one the caller reaches (tenant-hosts.ts). */
  host?: string | null;
};

const sourceNames = { tenant: 'the path', header: 'the X-Tenant-ID header', query: 'the tenant_id query parameter', host: 'the Host header' } as const;
type Source = keyof typeof sourceNames;

/** Refusing a tenant key's request for another tenant: one answer whether that tenant exists or not. */
export class TenantAccessDeniedError extends ForbiddenError {
  constructor(ref: string) {
    super(`Access denied for tenant ${ref}`, { tenant: ref, tenantAccessDenied: true });
  }
}

const missingContext = () =>
  new InvalidInputError([
    {
      field: 'tenant_id',
      rule: 'tenant_context_required',
      message:
        "No tenant context: send the X-Tenant-ID header, the tenant_id query parameter, or call the tenant's domain as Host (or use a credential owned by one tenant)",
    },
  ]);

const disagreement = (first: Source, second: Source, refs: Partial<Record<Source, string>>) =>
  new InvalidInputError([
    {
      field: 'tenant_id',
      rule: 'tenant_context_conflict',
      message: `${sourceNames[first]} names tenant ${refs[first]} but ${sourceNames[second]} names tenant ${refs[second]}`,
    },
  ]);

/**
 * The tenant a Host names among those the caller reaches. A Host under the base domain that
 * names none of them is refused as any tenant out of reach is: TenantAccessDenied for a tenant's
 * own credential, NOT_FOUND for others, naming the host as sent, the same whether or not another
 * customer's tenant has that name. Any other Host names a tenant only as the verified custom
 * domain of one the caller reaches; otherwise it names none, like the API's own name.
 */
async function tenantOfHost(actor: Actor, principal: Principal, claim: HostClaim): Promise<string | null> {
  const id = await tenantIdByHost(actor.prisma, claim, (actor.domains ?? defaultDomainSettings).baseDomain, reachableTenants(principal));
  if (id || claim.kind !== 'tenant') return id;
  if (principal.owner === 'TENANT') throw new TenantAccessDeniedError(claim.name);
  throw new NotFoundError('Tenant does not exist', { tenant: claim.name });
}

/**
 * The one rule for which tenant a Control Core request acts on. The sources, in order: a
 * tenant-owned credential, the path, X-Tenant-ID, ?tenant_id, the Host. A tenant credential
 * naming any other tenant is TenantAccessDenied without looking that tenant up; for other
 * credentials each named tenant is resolved under their reach (NOT_FOUND outside it), and two
 * sources naming different tenants are BAD_USER_INPUT, as is naming none. The Host is read
 * under the caller's reach too (tenantOfHost).
 */
export async function resolveTenantContext(actor: Actor, sources: TenantContextSources, scope: Scope): Promise<Tenant> {
  const principal = requireScope(actor, scope);
  const named: [Source, string][] = [];
  for (const source of ['tenant', 'header', 'query'] as const) {
    const ref = sources[source]?.trim();
    if (ref) named.push([source, ref]);
  }
  const claim = hostClaim(sources.host, actor.domains ?? defaultDomainSettings);
  const refs: Partial<Record<Source, string>> = Object.fromEntries(named);
  if (claim.kind !== 'none') refs.host = claim.name;

  if (principal.owner === 'TENANT' && principal.tenantId) {
    const own = await resolveTenant(actor, principal.tenantId, scope);
    for (const [, ref] of named) if (!names(own, ref)) throw new TenantAccessDeniedError(ref);
    await tenantOfHost(actor, principal, claim);
    return own;
  }

  let chosen: { source: Source; tenant: Tenant } | null = null;
  for (const [source, ref] of named) {
    if (chosen && names(chosen.tenant, ref)) continue;
    const tenant = await resolveTenant(actor, ref, scope);
    if (chosen && chosen.tenant.id !== tenant.id) throw disagreement(chosen.source, source, refs);
    chosen ??= { source, tenant };
  }
  const hostTenant = await tenantOfHost(actor, principal, claim);
  if (hostTenant) {
    if (chosen && chosen.tenant.id !== hostTenant) throw disagreement(chosen.source, 'host', refs);
    chosen ??= { source: 'host', tenant: await resolveTenant(actor, hostTenant, scope) };
  }
  if (!chosen) throw missingContext();
  return chosen.tenant;
}

/** Whether `ref` (UUID or slug) names this tenant. */
function names(tenant: Pick<Tenant, 'id' | 'slug'>, ref: string): boolean {
  return uuidPattern.test(ref) ? ref.toLowerCase() === tenant.id : ref === tenant.slug;
}
