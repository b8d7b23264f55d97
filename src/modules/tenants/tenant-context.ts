import type { Tenant } from '../../generated/prisma/client.js';
import { ForbiddenError, InvalidInputError } from '../../lib/errors.js';
import { type Actor, requireScope, type Scope } from '../identity/principal.js';
import { tenantIdByVerifiedCustomDomain } from './custom-domain-hosts.js';
import { resolveTenant, uuidPattern } from './tenant-access.js';

/** The ways a request names its tenant besides its credential, as the request sent them. */
export type TenantContextSources = {
  /** The tenant the route names in its path (`/tenants/{tenant_id}`). */
  tenant?: string | null;
  /** `X-Tenant-ID`. */
  header?: string | null;
  /** `?tenant_id`. */
  query?: string | null;
  /** `Host`: names a tenant when it is the tenant's default domain or a verified custom domain. */
  host?: string | null;
};

const sourceNames = { tenant: 'the path', header: 'the X-Tenant-ID header', query: 'the tenant_id query parameter', host: 'the Host header' } as const;
type Source = keyof typeof sourceNames;

/** `Acme.ControlCore.io.:443` → `acme.controlcore.io` */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

/**
 * The tenant a Host names: its default domain (`acme.controlcore.io`), then a verified custom
 * domain. Any other Host (the API's own, `localhost`) names none.
 */
export async function tenantByHost(prisma: Actor['prisma'], host: string): Promise<string | null> {
  const name = normalizeHost(host);
  if (!name) return null;
  const tenant = await prisma.tenant.findFirst({ where: { domain: name, status: { not: 'DELETED' } }, select: { id: true } });
  return tenant?.id ?? (await tenantIdByVerifiedCustomDomain(prisma, name));
}

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
      message: 'No tenant context: send the X-Tenant-ID header, the tenant_id query parameter, or call the tenant\'s domain as Host (or use a credential owned by one tenant)',
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
 * The one rule for which tenant a Control Core request acts on. The sources, in order: a
 * tenant-owned credential, the path, X-Tenant-ID, ?tenant_id, the Host. A tenant credential
 * naming any other tenant is TenantAccessDenied without looking that tenant up; for other
 * credentials each named tenant is resolved under their reach (NOT_FOUND outside it), and two
 * sources naming different tenants are BAD_USER_INPUT, as is naming none.
 */
export async function resolveTenantContext(actor: Actor, sources: TenantContextSources, scope: Scope): Promise<Tenant> {
  const principal = requireScope(actor, scope);
  const named: [Source, string][] = [];
  for (const source of ['tenant', 'header', 'query'] as const) {
    const ref = sources[source]?.trim();
    if (ref) named.push([source, ref]);
  }
  const hostTenant = sources.host ? await tenantByHost(actor.prisma, sources.host) : null;
  const refs: Partial<Record<Source, string>> = Object.fromEntries(named);
  if (hostTenant) refs.host = normalizeHost(sources.host!);

  if (principal.owner === 'TENANT' && principal.tenantId) {
    const own = await resolveTenant(actor, principal.tenantId, scope);
    for (const [, ref] of named) if (!names(own, ref)) throw new TenantAccessDeniedError(ref);
    if (hostTenant && hostTenant !== own.id) throw new TenantAccessDeniedError(refs.host!);
    return own;
  }

  let chosen: { source: Source; tenant: Tenant } | null = null;
  for (const [source, ref] of named) {
    if (chosen && names(chosen.tenant, ref)) continue;
    const tenant = await resolveTenant(actor, ref, scope);
    if (chosen && chosen.tenant.id !== tenant.id) throw disagreement(chosen.source, source, refs);
    chosen ??= { source, tenant };
  }
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
