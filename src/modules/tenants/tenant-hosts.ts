import { isIP } from 'node:net';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import { ConflictError } from '../../lib/errors.js';
import { tenantIdByVerifiedCustomDomain } from './custom-domain-hosts.js';
import { apiHostNames, type DomainSettings, tenantDefaultDomain } from './default-domains.js';

/**
 * What a Host claims before anything is looked up. A name under the base domain claims a
 * tenant (its default domain): it must name one the caller reaches, or be refused. Any other
 * name (a custom domain, the API's own name, `localhost`) names a tenant only when it is the
 * verified custom domain of one the caller reaches, and otherwise nothing.
 */
export type HostClaim = { kind: 'none' } | { kind: 'tenant' | 'custom'; name: string };

/** `Acme.ControlCore.io.:443` → `acme.controlcore.io` */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

export function hostClaim(host: string | null | undefined, settings: DomainSettings): HostClaim {
  const name = host ? normalizeHost(host) : '';
  // An address is no one's domain.
  if (!name || apiHostNames(settings).includes(name) || isIP(name.replace(/^\[|\]$/g, ''))) return { kind: 'none' };
  return { kind: name.endsWith(`.${settings.baseDomain}`) ? 'tenant' : 'custom', name };
}

/**
 * The slugs whose default-domain label is `label` (a slug's underscores become hyphens there):
 * every spelling for a label of up to 8 hyphens, else the all-hyphen and all-underscore ones.
 */
function slugsSpelling(label: string): string[] {
  const parts = label.split('-');
  if (parts.length > 9) return [label, label.replace(/-/g, '_')];
  let spellings = [parts[0]!];
  for (const part of parts.slice(1)) spellings = spellings.flatMap((prefix) => [`${prefix}-${part}`, `${prefix}_${part}`]);
  return spellings.filter((slug) => !slug.includes('__'));
}

/**
 * The live tenants within `reach` whose default domain is `name`, explicit ones (`domain`)
 * first: a domain the tenant was given, then one the gateway made from its id and project.
 */
export async function tenantsByDefaultDomain(prisma: PrismaClient, name: string, baseDomain: string, reach: Prisma.TenantWhereInput) {
  const [label, tag, ...more] = name.slice(0, -(baseDomain.length + 1)).split('.');
  // A made default domain is `<slug>` or `<slug>.p<first 8 hex digits of the project id>` under the base.
  const project = tag === undefined ? null : /^p[0-9a-f]{8}$/.test(tag) && more.length === 0 ? tag.slice(1) : undefined;
  const made: Prisma.TenantWhereInput[] =
    project === undefined
      ? []
      : [
          {
            domain: null,
            slug: { in: slugsSpelling(label!) },
            projectId: project === null ? null : { gte: `${project}-0000-0000-0000-000000000000`, lte: `${project}-ffff-ffff-ffff-ffffffffffff` },
          },
        ];
  const found = await prisma.tenant.findMany({
    where: { AND: [reach, { status: { not: 'DELETED' } }, { OR: [{ domain: name }, ...made] }] },
    select: { id: true, slug: true, domain: true, projectId: true },
  });
  return found.filter((tenant) => tenantDefaultDomain(tenant, baseDomain) === name).sort((a, b) => Number(b.domain !== null) - Number(a.domain !== null));
}

/**
 * The id of the tenant within `reach` that a Host names, or null. Two tenants whose ids differ
 * only by "_" and "-" share a made default domain; a caller reaching both is told to name the
 * tenant by its id.
 */
export async function tenantIdByHost(prisma: PrismaClient, claim: HostClaim, baseDomain: string, reach: Prisma.TenantWhereInput): Promise<string | null> {
  if (claim.kind === 'none') return null;
  if (claim.kind === 'custom') return claim.name.includes('.') ? tenantIdByVerifiedCustomDomain(prisma, claim.name, reach) : null;
  const [first, second] = await tenantsByDefaultDomain(prisma, claim.name, baseDomain, reach);
  if (first && second && first.domain === null) {
    throw new ConflictError(`Host ${claim.name} is the default domain of several tenants; name the tenant by its id`, { field: 'host', ambiguous: true });
  }
  return first?.id ?? null;
}
